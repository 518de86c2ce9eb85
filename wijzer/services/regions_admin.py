"""Region settings (contact addresses, norms, freshness limits, travel distance, referrer domains),
set by an admin or the region's regiobeheerder from the settings page or ``flask regions set``.

Partial updates: a key that is absent from ``changes`` is left unchanged; ``None`` for a number means
"use the app default". Every change is written to the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from wijzer.models import Jeugdregio, Reminder
from wijzer.services import auditlog
from wijzer.services.availability import thresholds_for

EMAIL_RE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
DOMAIN_RE = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
NUMBER_FIELDS = ("fresh_days", "stale_days", "norm_intake_weeks", "norm_treatment_weeks", "travel_km")
LIST_FIELDS = ("contact_emails", "referrer_domains")
FIELDS = LIST_FIELDS + NUMBER_FIELDS
LABELS = {
    "contact_emails": "Contactadressen voor escalaties",
    "referrer_domains": "Toegestane e-maildomeinen voor verwijzers",
    "fresh_days": "Actueel tot (dagen)",
    "stale_days": "Verouderd na (dagen)",
    "norm_intake_weeks": "Norm aanmeldingswachttijd (weken)",
    "norm_treatment_weeks": "Norm behandelingswachttijd (weken)",
    "travel_km": "Reisafstand voor dekking (km)",
}
RANGES = {
    "fresh_days": (1, 365, "dagen"),
    "stale_days": (2, 730, "dagen"),
    "norm_intake_weeks": (1, 52, "weken"),
    "norm_treatment_weeks": (1, 52, "weken"),
    "travel_km": (1, 250, "km"),
}
NO_ADDRESS = "geen adres"  # Reminder.recipients of an escalation that had nobody to go to
MAX_CONTACTS = 10
MAX_DOMAINS = 20


class SettingsError(ValueError):
    """One or more settings are invalid; ``errors`` maps field -> Dutch message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{LABELS.get(k, k)}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class RegionSettings:
    code: str
    name: str
    contact_emails: list[str]
    referrer_domains: list[str]
    overrides: dict[str, float | int | None]  # the stored values (None: app default)
    effective: dict[str, float | int]  # what applies


def region_or_none(session: Session, code: str | None) -> Jeugdregio | None:
    return session.get(Jeugdregio, (code or "").strip().upper()) if code else None


def settings_of(region: Jeugdregio, config: Mapping[str, Any]) -> RegionSettings:
    t = thresholds_for(region, config)
    return RegionSettings(
        code=region.code,
        name=region.name,
        contact_emails=region.contact_list,
        referrer_domains=region.referrer_domain_list,
        overrides={f: getattr(region, f) for f in NUMBER_FIELDS},
        effective={f: getattr(t, f) for f in NUMBER_FIELDS},
    )


def split_list(value: str | Iterable[object] | None) -> list[str]:
    """'a@x.nl, b@y.nl' or 'a\\nb' or ['a', 'b'] -> ['a', 'b'] (lower-case, no duplicates)."""
    if value is None:
        return []
    parts = re.split(r"[\s,;|]+", value) if isinstance(value, str) else [str(v) for v in value]
    return list(dict.fromkeys(p.strip().lower() for p in parts if p and p.strip()))


def _number(field: str, raw: object, errors: dict[str, str]) -> float | int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    low, high, unit = RANGES[field]
    try:
        value = float(str(raw).strip().replace(",", ".")) if field == "travel_km" else int(str(raw).strip())
    except ValueError:
        errors[field] = "Vul een getal in." if field == "travel_km" else "Vul een heel getal in."
        return None
    if not low <= value <= high:
        errors[field] = f"Kies een waarde van {low} tot en met {high} {unit}."
        return None
    return value


def update_region_settings(
    session: Session,
    region: Jeugdregio,
    changes: dict[str, Any],
    *,
    config: Mapping[str, Any],
    user: object = None,
    actor: str | None = None,
) -> dict[str, list[Any]]:
    """Validate and apply ``changes`` (absent = unchanged). Returns {field: [old, new]} of what changed.
    Raises SettingsError with Dutch messages per field; nothing is changed then."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise SettingsError({k: "Onbekende instelling." for k in unknown})
    errors: dict[str, str] = {}
    new: dict[str, Any] = {}
    if "contact_emails" in changes:
        emails = split_list(changes["contact_emails"])
        bad = [e for e in emails if not EMAIL_RE.match(e) or len(e) > 254]
        if bad:
            errors["contact_emails"] = f"Geen geldig e-mailadres: {', '.join(bad)}."
        elif len(emails) > MAX_CONTACTS:
            errors["contact_emails"] = f"Hoogstens {MAX_CONTACTS} contactadressen."
        elif len(", ".join(emails)) > 2000:
            errors["contact_emails"] = "De adressen zijn samen te lang (hoogstens 2000 tekens)."
        new["contact_email"] = ", ".join(emails) or None
    if "referrer_domains" in changes:
        domains = [d.lstrip("@") for d in split_list(changes["referrer_domains"])]
        bad = [d for d in domains if not DOMAIN_RE.match(d)]
        if bad:
            errors["referrer_domains"] = f"Geen geldig domein: {', '.join(bad)} (bijvoorbeeld: gemeente.nl)."
        elif len(domains) > MAX_DOMAINS:
            errors["referrer_domains"] = f"Hoogstens {MAX_DOMAINS} domeinen."
        new["referrer_domains"] = "|" + "|".join(domains) + "|" if domains else ""
    for field in NUMBER_FIELDS:
        if field in changes:
            new[field] = _number(field, changes[field], errors)
    # Rules between fields, on the values that will apply (stored override or app default).
    after = {f: new[f] if f in new else getattr(region, f) for f in NUMBER_FIELDS}
    defaults = {"fresh_days": config["FRESH_DAYS"], "stale_days": config["STALE_DAYS"]}
    fresh = after["fresh_days"] if after["fresh_days"] is not None else defaults["fresh_days"]
    stale = after["stale_days"] if after["stale_days"] is not None else defaults["stale_days"]
    if "fresh_days" not in errors and "stale_days" not in errors and stale <= fresh:
        errors["stale_days" if "stale_days" in changes else "fresh_days"] = (
            f"'Verouderd na' ({stale} dagen) moet groter zijn dan 'actueel tot' ({fresh} dagen)."
        )
    if errors:
        raise SettingsError(errors)
    diff: dict[str, list[Any]] = {}
    for column, value in new.items():
        old = getattr(region, column)
        if old != value and not (old in (None, "") and value in (None, "")):
            diff[column] = [old, value]
            setattr(region, column, value)
    if diff:
        session.add(region)
        auditlog.record(
            session,
            action="update",
            entity="region_settings",
            entity_id=region.code,
            user=user,
            actor=actor,
            detail=diff,
        )
    return diff


def escalations_without_address(session: Session, region_code: str, limit: int = 50) -> list[Reminder]:
    return list(
        session.exec(
            select(Reminder)
            .where(
                Reminder.kind == "escalation",
                Reminder.region_code == region_code,
                Reminder.recipients == NO_ADDRESS,
            )
            .order_by(col(Reminder.created_at).desc())
            .limit(limit)
        ).all()
    )


def region_for_referrer_domain(session: Session, email: str) -> Jeugdregio | None:
    """The jeugdregio that allows self-registration for this address's domain (None if none does)."""
    domain = (email or "").strip().lower().rsplit("@", 1)[-1]
    if not domain or "@" not in (email or ""):
        return None
    return session.exec(
        select(Jeugdregio)
        .where(col(Jeugdregio.referrer_domains).contains(f"|{domain}|"))
        .order_by(Jeugdregio.code)
    ).first()
