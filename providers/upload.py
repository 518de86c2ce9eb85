"""Capacity upload in the portal: a CSV/XLSX file with the provider's own offerings only."""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user

import importers.capacity as capacity_importer
from importers.limits import Deadline, limits_from_config
from importers.tabular import read_for
from importers.validation import ImportRejected, RowError
from providers import bp
from wijzer.auth import role_required
from wijzer.db import get_session


@bp.route("/upload", methods=["GET", "POST"])
@role_required("provider")
def upload():
    result, errors = None, []
    status = 200
    if request.method == "POST":
        file = request.files.get("file")
        dry_run = request.form.get("dry_run") == "1"
        if file is None or not file.filename:
            errors = [RowError(0, "", "Kies een bestand (.csv of .xlsx).")]
        else:
            limits = limits_from_config(current_app.config)
            deadline = Deadline(limits.max_seconds)
            data = file.read(limits.max_bytes + 1)
            session = get_session()
            table = None
            try:
                table = read_for(capacity_importer, data, file.filename, limits=limits, deadline=deadline)
                result = capacity_importer.import_capacity(
                    session, table, file.filename, dry_run=dry_run, only_provider_id=current_user.provider_id,
                    user=current_user, actor=current_user.email, config=current_app.config,
                    source_kind="import", progress=deadline.progress)
                if not dry_run:
                    session.commit()
            except ImportRejected as exc:
                session.rollback()
                errors = table.relabel(exc.errors) if table is not None else exc.errors
        status = 400 if errors else 200
    return render_template("providers/upload.html", result=result, errors=errors,
                           columns=capacity_importer.COLUMNS), status
