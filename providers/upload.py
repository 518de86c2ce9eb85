"""Capacity upload in the portal: a CSV/XLSX file with the provider's own offerings only."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_login import current_user
from sqlmodel import col

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
                    session,
                    table,
                    file.filename,
                    dry_run=dry_run,
                    only_provider_id=current_user.provider_id,
                    user=current_user,
                    actor=current_user.email,
                    config=current_app.config,
                    source_kind="import",
                    progress=deadline.progress,
                )
                if not dry_run:
                    session.commit()
            except ImportRejected as exc:
                session.rollback()
                errors = table.relabel(exc.errors) if table is not None else exc.errors
        status = 400 if errors else 200
    return render_template(
        "providers/upload.html", result=result, errors=errors, columns=capacity_importer.COLUMNS
    ), status


# Dutch headers of the capacity file the portal hands out (aliases of importers.capacity.COLUMNS).
DOWNLOAD_HEADERS = (
    ("kvk", "kvk"),
    ("offering_ref", "aanbodcode"),
    ("free_places", "vrije plekken"),
    ("total_places", "totaal plekken"),
    ("waiting_weeks_intake", "aanmeldingswachttijd"),
    ("waiting_weeks_treatment", "behandelingswachttijd"),
    ("waitlist_length", "wachtlijst"),
    ("intake_status", "intakestatus"),
    ("status_until", "status tot"),
    ("next_free_date", "volgende vrije plek"),
    ("note", "toelichting"),
    ("reported_at", "gemeld op"),
)


@bp.route("/capaciteit.xlsx")
@role_required("provider")
def capacity_download():
    """The provider's own active offerings as a filled-in capacity file (Dutch headers). Uploading it
    unchanged confirms every reported offering ('Alles klopt nog' in file form): 'gemeld op' is left
    empty, so each row counts as a report made at upload time."""
    from io import BytesIO

    from flask import Response
    from openpyxl import Workbook
    from sqlmodel import select

    from wijzer.domain import CARE_TYPES
    from wijzer.models import Location, Offering, Provider

    def append(sheet, values) -> None:
        # Text goes in as a string cell, never as a formula (openpyxl reads a leading '=' as one), so a
        # note like '=SUM(...)' is shown as text and survives the round trip unchanged.
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"

    session = get_session()
    provider = session.get(Provider, current_user.provider_id)
    if provider is None:
        return Response(status=404)
    rows = session.exec(
        select(Offering, Location)
        .join(Location, col(Location.id) == Offering.location_id)
        .where(Offering.provider_id == provider.id, Offering.active)
        .order_by(Location.name, Offering.offering_ref)
    ).all()
    wb = Workbook()
    ws = wb.worksheets[0]  # the default sheet of a new workbook
    ws.title = "Capaciteit"
    append(ws, [label for _, label in DOWNLOAD_HEADERS])
    for off, _ in rows:
        append(
            ws,
            [
                provider.kvk,
                off.offering_ref,
                off.cur_free_places,
                off.cur_total_places,
                off.cur_wait_intake,
                off.cur_wait_treatment,
                off.cur_waitlist_length,
                off.cur_intake_status or "",
                off.cur_status_until.isoformat() if off.cur_status_until else "",
                off.cur_next_free_date.isoformat() if off.cur_next_free_date else "",
                off.cur_note or "",
                "",
            ],
        )
    info = wb.create_sheet("Toelichting")
    append(info, ["aanbodcode", "naam", "zorgsoort", "locatie", "plaats"])
    for off, loc in rows:
        append(
            info,
            [
                off.offering_ref,
                off.name or "",
                CARE_TYPES.get(off.care_type, off.care_type),
                loc.name,
                loc.city or "",
            ],
        )
    info.append([])
    append(
        info,
        [
            "Pas alleen het eerste tabblad aan en upload het bij 'Capaciteit uploaden'. Ongewijzigd uploaden "
            "bevestigt alles; een rij zonder waarden van nooit gemeld aanbod wordt overgeslagen."
        ],
    )
    out = BytesIO()
    wb.save(out)
    return Response(
        out.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="capaciteit-{provider.kvk}.xlsx"'},
    )
