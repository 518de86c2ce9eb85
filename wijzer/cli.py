"""``flask --app wsgi …`` commands. Each command is one transaction boundary."""

from __future__ import annotations

import contextlib
import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from wijzer.db import session_scope

users_cli = AppGroup("users", help="Accounts en API-sleutels.")
demo_cli = AppGroup("demo", help="Demogegevens.")


def run_migrations() -> None:
    """Create or upgrade the schema with Alembic (idempotent)."""
    from alembic import command
    from alembic.config import Config

    from wijzer.config import PROJECT_ROOT

    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", current_app.config["DATABASE_URL"])
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


@click.command("setup", help="Maak of upgrade het databaseschema en laad de referentiegegevens.")
@with_appcontext
def setup_command():
    from wijzer.services import vocabulary
    from wijzer.services.reference import load_reference_data

    run_migrations()
    with session_scope() as session:
        result = load_reference_data(session)
        terms = vocabulary.seed(session)
    for table, (created, updated) in result.items():
        click.echo(f"{table}: {created} nieuw, {updated} bijgewerkt")
    click.echo(f"vocabulary_term: {terms} nieuw")


@users_cli.command(
    "create",
    help="Maak een account (ook de eerste beheerder). Het wachtwoord komt uit een prompt "
    "of uit --password-file, nooit alleen uit de opdrachtregel.",
)
@click.option("--email", required=True)
@click.option(
    "--password-file",
    type=click.File("r"),
    default=None,
    help="Bestand met het wachtwoord op de eerste regel ('-' is standaardinvoer).",
)
@click.option(
    "--role", required=True, type=click.Choice(["admin", "provider", "referrer", "auditor", "region_admin"])
)
@click.option("--name", default="")
@click.option(
    "--provider", "provider_kvk", default=None, help="KvK-nummer van de zorgaanbieder (rol provider)."
)
@click.option("--provider-admin", is_flag=True, help="Medewerker mag collega's uitnodigen en verwijderen.")
@click.option(
    "--region",
    "region_code",
    default=None,
    help="Jeugdregiocode, bijv. JZ22 (rollen auditor, region_admin; optioneel voor referrer).",
)
def users_create(email, password_file, role, name, provider_kvk, provider_admin, region_code):
    from wijzer.services.accounts import create_user
    from wijzer.services.catalogue import RuleError

    if password_file is not None:
        password = password_file.readline().rstrip("\r\n")
    else:
        password = click.prompt("Wachtwoord", hide_input=True, confirmation_prompt="Herhaal het wachtwoord")
    try:
        with session_scope() as session:
            user = create_user(
                session,
                email=email,
                password=password,
                role=role,
                name=name,
                provider_id=_provider_id(session, provider_kvk),
                region_code=(region_code or "").upper() or None,
                provider_admin=provider_admin,
            )
            click.echo(f"Account aangemaakt: {user.email} ({role})")
    except RuleError as exc:
        raise click.ClickException(str(exc)) from None


def _provider_id(session, kvk: str | None) -> int | None:
    from wijzer.services.catalogue import RuleError, provider_by_kvk

    if not kvk:
        return None
    provider = provider_by_kvk(session, kvk.strip())
    if provider is None:
        raise RuleError(f"Geen zorgaanbieder met KvK-nummer {kvk}.", "provider")
    return provider.id


@users_cli.command("invite", help="Nodig iemand uit: de uitnodiging gaat per e-mail (SMTP of outbox).")
@click.option("--email", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["admin", "provider", "referrer", "auditor", "region_admin"])
)
@click.option(
    "--provider", "provider_kvk", default=None, help="KvK-nummer van de zorgaanbieder (rol provider)."
)
@click.option("--provider-admin", is_flag=True, help="Medewerker mag collega's uitnodigen en verwijderen.")
@click.option("--region", "region_code", default=None, help="Jeugdregiocode, bijv. JZ22.")
def users_invite(email, role, provider_kvk, provider_admin, region_code):
    from wijzer.services import onboarding
    from wijzer.services.catalogue import RuleError

    try:
        with session_scope() as session:
            inv, _ = onboarding.invite(
                session,
                None,
                email=email,
                role=role,
                config=current_app.config,
                provider_id=_provider_id(session, provider_kvk),
                region_code=region_code,
                provider_admin=provider_admin,
            )
            address = inv.email
    except RuleError as exc:
        raise click.ClickException(str(exc)) from None
    if not current_app.config.get("MAIL_SERVER"):
        click.echo(f"Uitnodiging voor {address} ({role}) staat in de outbox (geen SMTP-server ingesteld).")
        return
    from wijzer.services import mail

    with session_scope() as session:
        _sent, problems = mail.deliver(session, current_app.config)
    if problems:
        raise click.ClickException(
            f"Uitnodiging voor {address} vastgelegd, maar nog niet verstuurd: {problems[0]} "
            "(de taak 'mail' probeert het opnieuw)."
        )
    click.echo(f"Uitnodiging verstuurd naar {address} ({role}).")


@users_cli.command(
    "disable", help="Blokkeer een account: inloggen kan niet meer, sessies en API-sleutels stoppen."
)
@click.option("--email", required=True)
def users_disable(email):
    _set_disabled(email, True)


@users_cli.command("enable", help="Deblokkeer een account.")
@click.option("--email", required=True)
def users_enable(email):
    _set_disabled(email, False)


def _set_disabled(email: str, disabled: bool) -> None:
    from wijzer.services import onboarding
    from wijzer.services.accounts import user_by_email

    with session_scope() as session:
        user = user_by_email(session, email)
        if user is None:
            raise click.ClickException(f"Geen account met e-mailadres {email}.")
        changed = onboarding.set_disabled(session, None, user, disabled)
        address = user.email
    state = "geblokkeerd" if disabled else "weer actief"
    click.echo(f"{address} is {state}." if changed else f"{address} was al {state}.")


@users_cli.command("token", help="Maak een nieuwe API-sleutel voor een account en toon hem één keer.")
@click.option("--email", required=True)
@click.option("--name", default="cli")
def users_token(email, name):
    from wijzer.services.accounts import create_api_token, user_by_email

    with session_scope() as session:
        user = user_by_email(session, email)
        if user is None:
            raise click.ClickException(f"Geen account met e-mailadres {email}.")
        _, plain = create_api_token(session, user, name)
    click.echo(plain)


@demo_cli.command("seed", help="Maak een deterministische, realistische demodataset met demo-accounts.")
@click.option("--providers", default=300, show_default=True, type=click.IntRange(1, 50_000))
@click.option("--seed", "seed_value", default=1, show_default=True, type=int)
@click.option("--weeks", default=52, show_default=True, type=click.IntRange(1, 260))
@click.option("--if-empty", is_flag=True, help="Niets doen als er al zorgaanbieders zijn.")
def demo_seed(providers, seed_value, weeks, if_empty):
    import time

    from sqlmodel import select

    from wijzer.models import Provider
    from wijzer.services import demo

    started = time.perf_counter()
    with session_scope() as session:
        if if_empty and session.exec(select(Provider.id).limit(1)).first() is not None:
            click.echo("Er zijn al zorgaanbieders; geen demogegevens toegevoegd.")
        else:
            try:
                result = demo.seed(
                    session,
                    providers=providers,
                    seed_value=seed_value,
                    weeks=weeks,
                    config=current_app.config,
                )
            except ValueError as exc:
                raise click.ClickException(str(exc)) from None
            click.echo(
                f"{result.providers} zorgaanbieders, {result.locations} locaties, {result.offerings} "
                f"aanbiedingen, {result.reports} capaciteitsmeldingen "
                f"({time.perf_counter() - started:.1f} s)"
            )
        accounts = demo.demo_accounts(session)
    click.echo(f"Demo-logins (wachtwoord voor allemaal: {demo.DEMO_PASSWORD}):")
    for role, email, _ in accounts:
        click.echo(f"  {role:9} {email}")


jobs_cli = AppGroup("jobs", help="Geplande taken.")
import_cli = AppGroup("import", help="Bestanden inlezen (alles of niets).")
export_cli = AppGroup("export", help="Gegevens uitvoeren.")


def _report_rejection(exc) -> None:
    click.echo(
        f"Niet geïmporteerd: {len(exc.errors)} probleem/problemen gevonden; er is niets opgeslagen.", err=True
    )
    for error in exc.errors:
        click.echo(f"  {error}", err=True)
    raise SystemExit(1)


def _run_import(kind: str, path: str, dry_run: bool):
    import importers.capacity as capacity_importer
    import importers.providers as provider_importer
    from importers.limits import Deadline, limits_from_config
    from importers.tabular import read_for
    from importers.validation import ImportRejected

    module = provider_importer if kind == "providers" else capacity_importer
    limits = limits_from_config(current_app.config, cli=True)
    deadline = Deadline(limits.max_seconds)
    table = None
    try:
        table = read_for(module, path, limits=limits, deadline=deadline)
        with (
            session_scope() as session,
            click.progressbar(
                length=len(table.rows), label=f"{len(table.rows)} rijen controleren", file=sys.stderr
            ) as bar,
        ):

            def progress(n: int) -> None:
                deadline.check()
                bar.update(n)

            if kind == "providers":
                result = provider_importer.import_providers(
                    session,
                    table,
                    path,
                    dry_run=dry_run,
                    actor="cli",
                    progress=progress,
                    config=current_app.config,
                )
            else:
                result = capacity_importer.import_capacity(
                    session,
                    table,
                    path,
                    dry_run=dry_run,
                    actor="cli",
                    config=current_app.config,
                    progress=progress,
                )
            bar.update(len(table.rows) - bar.pos)
    except ImportRejected as exc:
        _report_rejection(ImportRejected(table.relabel(exc.errors)) if table is not None else exc)
    click.echo(result.summary())


@import_cli.command("providers", help="Aanbieders, locaties en aanbod uit een .csv- of .xlsx-bestand.")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Alleen controleren, niets opslaan.")
def import_providers_command(path, dry_run):
    _run_import("providers", path, dry_run)


@import_cli.command("hsds", help="Een HSDS 3.1-export (map met services/*.json) inlezen.")
@click.argument("path", type=click.Path(file_okay=False))
@click.option("--dry-run", is_flag=True, help="Alleen controleren, niets opslaan.")
def import_hsds_command(path, dry_run):
    from importers.hsds import import_hsds
    from importers.validation import ImportRejected

    try:
        with session_scope() as session:
            result = import_hsds(session, path, dry_run=dry_run, actor="cli", config=current_app.config)
    except ImportRejected as exc:
        _report_rejection(exc)
    click.echo(result.summary())


@export_cli.command("hsds", help="Schrijf alle aanbod als Open Referral HSDS 3.1 (JSON per service + CSV).")
@click.argument("outdir", type=click.Path(file_okay=False))
def export_hsds_command(outdir):
    from importers.hsds import export_hsds

    with session_scope() as session:
        n = export_hsds(session, outdir)
    click.echo(f"{n} services geschreven naar {outdir}/services en {outdir}/csv")


@import_cli.command("capacity", help="Capaciteitsmeldingen uit een .csv- of .xlsx-bestand.")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Alleen controleren, niets opslaan.")
def import_capacity_command(path, dry_run):
    _run_import("capacity", path, dry_run)


@jobs_cli.command("list", help="Toon de taken en wanneer ze lopen.")
def jobs_list():
    from wijzer.jobs import JOBS, SCHEDULE_TEXT

    for name in JOBS:
        click.echo(f"{name:18} {SCHEDULE_TEXT[name]}")


@jobs_cli.command(
    "run", help="Voer een taak één keer uit (freshness, reminders, expire_statuses, region_snapshots, mail)."
)
@click.argument("name")
def jobs_run(name):
    from wijzer.jobs import JOBS, run_job

    if name not in JOBS:
        raise click.ClickException(f"Onbekende taak '{name}'. Kies uit: {', '.join(JOBS)}.")
    run = run_job(name)
    click.echo(f"{name}: {run.status} in {run.duration_ms} ms – {run.detail}")
    if run.status == "failed":
        raise SystemExit(1)


@click.command("scheduler", help="Start de planner (eigen proces; nooit in webworkers).")
@with_appcontext
def scheduler_command():
    from wijzer.jobs import build_scheduler

    # current_app is a LocalProxy that Flask types as Flask; the scheduler threads need the real app.
    scheduler = build_scheduler(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo("Planner gestart (Europe/Amsterdam): " + ", ".join(j.id for j in scheduler.get_jobs()))
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


def init_app(app: Flask) -> None:
    app.cli.add_command(setup_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(export_cli)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(regions_cli)


regions_cli = AppGroup("regions", help="Jeugdregio's: instellingen bekijken en wijzigen.")


def _show_region(settings) -> None:
    click.echo(f"{settings.code} {settings.name}")
    click.echo(f"  contactadressen:      {', '.join(settings.contact_emails) or '(geen)'}")
    click.echo(f"  verwijzerdomeinen:    {', '.join(settings.referrer_domains) or '(geen)'}")
    for field, value in settings.effective.items():
        mark = "" if settings.overrides[field] is not None else " (standaard)"
        click.echo(f"  {field:21} {value:g}{mark}")


@regions_cli.command("show", help="Toon de instellingen van één jeugdregio, of een overzicht van alle.")
@click.argument("code", required=False)
def regions_show(code):
    from sqlmodel import select

    from wijzer.models import Jeugdregio
    from wijzer.services.regions_admin import region_or_none, settings_of

    with session_scope() as session:
        if code:
            region = region_or_none(session, code)
            if region is None:
                raise click.ClickException(f"Onbekende jeugdregio '{code}'.")
            _show_region(settings_of(region, current_app.config))
            return
        for region in session.exec(select(Jeugdregio).order_by(Jeugdregio.code)).all():
            contacts = ", ".join(region.contact_list) or "GEEN CONTACTADRES"
            click.echo(f"{region.code}  {region.name:45} {contacts}")


@regions_cli.command(
    "set",
    help="Wijzig instellingen van een jeugdregio. Herhaalbare opties vervangen de hele lijst; "
    "een lege waarde ('') maakt de lijst leeg of zet een getal terug naar de standaard.",
)
@click.argument("code")
@click.option(
    "--contact-email", "contact_emails", multiple=True, help="Contactadres voor escalaties (herhaalbaar)."
)
@click.option("--fresh-days", default=None)
@click.option("--stale-days", default=None)
@click.option("--norm-intake-weeks", default=None)
@click.option("--norm-treatment-weeks", default=None)
@click.option("--travel-km", default=None)
@click.option(
    "--referrer-domain",
    "referrer_domains",
    multiple=True,
    help="E-maildomein voor zelf aanmelden van verwijzers (herhaalbaar).",
)
def regions_set(
    code,
    contact_emails,
    fresh_days,
    stale_days,
    norm_intake_weeks,
    norm_treatment_weeks,
    travel_km,
    referrer_domains,
):
    from wijzer.services.regions_admin import (
        SettingsError,
        region_or_none,
        settings_of,
        update_region_settings,
    )

    changes = {
        k: v
        for k, v in {
            "fresh_days": fresh_days,
            "stale_days": stale_days,
            "norm_intake_weeks": norm_intake_weeks,
            "norm_treatment_weeks": norm_treatment_weeks,
            "travel_km": travel_km,
        }.items()
        if v is not None
    }
    if contact_emails:
        changes["contact_emails"] = [e for e in contact_emails if e.strip()]
    if referrer_domains:
        changes["referrer_domains"] = [d for d in referrer_domains if d.strip()]
    if not changes:
        raise click.UsageError("Geef minstens één instelling op (zie --help).")
    try:
        with session_scope() as session:
            region = region_or_none(session, code)
            if region is None:
                raise click.ClickException(f"Onbekende jeugdregio '{code}'.")
            diff = update_region_settings(session, region, changes, config=current_app.config, actor="cli")
            settings = settings_of(region, current_app.config)
    except SettingsError as exc:
        raise click.ClickException("Niet opgeslagen: " + str(exc)) from None
    click.echo(f"{len(diff)} instelling(en) gewijzigd." if diff else "Er was niets gewijzigd.")
    _show_region(settings)
