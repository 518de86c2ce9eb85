"""The provider list in bulk, in the browser (admin and regiobeheerder): /beheer/importeren.

1. Upload a CSV/XLSX file: it is stored under its SHA-256 (content-addressed, so it cannot change
   afterwards) and dry-run: the preview lists new / changed / unchanged providers, locations and
   offerings, the staff to invite, or every error by row and column.
2. "Importeren" posts the file's hash and the preview's fingerprint. The file is planned again; if
   the database changed in a way that alters the plan, the new preview is shown and asked again;
   otherwise exactly the previewed plan is applied in one transaction.

A regiobeheerder may import only offerings located in or contracted by their own jeugdregio.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

import importers.providers as provider_importer
from importers.limits import Deadline, limits_from_config
from importers.tabular import read_for
from importers.validation import ImportRejected, RowError
from providers import bp
from wijzer.auth import role_required
from wijzer.db import get_session

HASH_RE = re.compile(r"^[0-9a-f]{64}$")
STAGING_HOURS = 24


def _staging_dir() -> Path:
    path = Path(current_app.config.get("IMPORT_STAGING_DIR") or Path(current_app.instance_path) / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stage(data: bytes, filename: str) -> str:
    digest = hashlib.sha256(data).hexdigest()
    folder = _staging_dir()
    cutoff = time.time() - STAGING_HOURS * 3600
    for old in folder.glob("*.upload"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    target = folder / f"{digest}.upload"
    if not target.exists():
        tmp = folder / f"{digest}.{time.time_ns()}.tmp"
        tmp.write_bytes(data)
        tmp.replace(target)
    return digest


def _staged(digest: str) -> bytes | None:
    if not HASH_RE.match(digest or ""):
        return None
    path = _staging_dir() / f"{digest}.upload"
    return path.read_bytes() if path.is_file() else None


def _scope() -> str | None:
    return current_user.region_code if current_user.role == "region_admin" else None


def _plan(data: bytes, filename: str, digest: str) -> provider_importer.ImportPlan:
    limits = limits_from_config(current_app.config)  # bytes, rows, columns, cells, wall time (issue 11)
    deadline = Deadline(limits.max_seconds)
    table = read_for(provider_importer, data, filename, limits=limits, deadline=deadline)
    return provider_importer.plan_import(
        get_session(), table, filename, only_region=_scope(), file_hash=digest, progress=deadline.progress
    )


def _safe_name(name: str) -> str:
    name = Path(name or "").name
    return (
        name
        if name.lower().endswith((".csv", ".xlsx", ".txt"))
        else (name + ".csv" if name else "bestand.csv")
    )


@bp.route("/beheer/importeren", methods=["GET", "POST"])
@role_required("admin", "region_admin")
def admin_import():
    plan, errors, filename, digest, changed = None, [], "", "", False
    status = 200
    if request.method == "POST":
        file = request.files.get("file")
        if file is None or not file.filename:
            errors = [RowError(0, "", "Kies een bestand (.csv of .xlsx).")]
        else:
            data = file.read(current_app.config["MAX_IMPORT_BYTES"] + 1)
            filename = _safe_name(file.filename)
            try:
                if len(data) > current_app.config["MAX_IMPORT_BYTES"]:
                    raise ImportRejected([RowError(0, "", "Het bestand is te groot.")])
                digest = hashlib.sha256(data).hexdigest()
                plan = _plan(data, filename, digest)
                _stage(data, filename)
            except ImportRejected as exc:
                errors = exc.errors
            finally:
                get_session().rollback()
        status = 400 if errors else 200
    return _page(plan, errors, filename, digest, changed=changed), status


def _page(
    plan: provider_importer.ImportPlan | None,
    errors: list[RowError],
    filename: str,
    digest: str,
    *,
    changed: bool,
) -> str:
    """The upload page: the preview of what applying would change (``plan``), or the file's problems;
    ``changed``: the file differs from the one previewed."""
    return render_template(
        "providers/admin_import.html",
        plan=plan,
        errors=errors,
        filename=filename,
        digest=digest,
        changed=changed,
        columns=provider_importer.COLUMNS,
        required=provider_importer.REQUIRED,
    )


@bp.route("/beheer/importeren/toepassen", methods=["POST"])
@role_required("admin", "region_admin")
def admin_import_apply():
    session = get_session()
    digest = request.form.get("file_hash", "")
    fingerprint = request.form.get("fingerprint", "")
    filename = _safe_name(request.form.get("filename", ""))
    data = _staged(digest)
    if data is None:
        flash("Het bestand van de voorvertoning is niet meer beschikbaar. Upload het opnieuw.", "error")
        return redirect(url_for("providers.admin_import"))
    try:
        plan = _plan(data, filename, digest)
    except ImportRejected as exc:
        session.rollback()
        return _page(None, exc.errors, filename, digest, changed=True), 409
    if plan.fingerprint != fingerprint:
        session.rollback()
        return _page(plan, [], filename, digest, changed=True), 409
    result = provider_importer.import_providers(
        session,
        None,
        filename,
        plan=plan,
        user=current_user,
        actor=current_user.email,
        config=current_app.config,
    )
    session.commit()
    flash(result.summary() + ".", "ok")
    if current_user.role == "admin":
        return redirect(url_for("providers.admin_home"))
    return redirect(url_for("beheer.users"))
