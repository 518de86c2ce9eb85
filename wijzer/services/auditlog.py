from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from wijzer.models import AuditLog


def record(
    session: Session,
    *,
    action: str,
    entity: str,
    entity_id: Any = None,
    user: object = None,
    actor: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditLog:
    entry = AuditLog(
        user_id=getattr(user, "id", None),
        actor=(actor or getattr(user, "email", None) or "system")[:100],
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id)[-40:],
        detail=json.dumps(detail, default=str, ensure_ascii=False)[:4000] if detail else None,
    )
    session.add(entry)
    return entry
