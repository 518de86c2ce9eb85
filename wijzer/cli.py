"""``flask --app wsgi …`` commands. Each command is one transaction boundary."""
from __future__ import annotations

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
    from wijzer.services.reference import load_reference_data

    run_migrations()
    with session_scope() as session:
        result = load_reference_data(session)
    for table, (created, updated) in result.items():
        click.echo(f"{table}: {created} nieuw, {updated} bijgewerkt")


@users_cli.command("create", help="Maak een account (ook de eerste beheerder).")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "provider", "referrer", "auditor"]))
@click.option("--name", default="")
@click.option("--provider", "provider_kvk", default=None, help="KvK-nummer van de zorgaanbieder (rol provider).")
@click.option("--region", "region_code", default=None, help="Jeugdregiocode, bijv. JZ22 (rol auditor).")
def users_create(email, password, role, name, provider_kvk, region_code):
    from wijzer.services.accounts import create_user
    from wijzer.services.catalogue import RuleError, provider_by_kvk

    try:
        with session_scope() as session:
            provider_id = None
            if provider_kvk:
                provider = provider_by_kvk(session, provider_kvk.strip())
                if provider is None:
                    raise RuleError(f"Geen zorgaanbieder met KvK-nummer {provider_kvk}.", "provider")
                provider_id = provider.id
            user = create_user(session, email=email, password=password, role=role, name=name,
                               provider_id=provider_id, region_code=(region_code or "").upper() or None)
            click.echo(f"Account aangemaakt: {user.email} ({role})")
    except RuleError as exc:
        raise click.ClickException(str(exc)) from None


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
                result = demo.seed(session, providers=providers, seed_value=seed_value, weeks=weeks,
                                   config=current_app.config)
            except ValueError as exc:
                raise click.ClickException(str(exc)) from None
            click.echo(f"{result.providers} zorgaanbieders, {result.locations} locaties, {result.offerings} "
                       f"aanbiedingen, {result.reports} capaciteitsmeldingen "
                       f"({time.perf_counter() - started:.1f} s)")
        accounts = demo.demo_accounts(session)
    click.echo(f"Demo-logins (wachtwoord voor allemaal: {demo.DEMO_PASSWORD}):")
    for role, email, _ in accounts:
        click.echo(f"  {role:9} {email}")


jobs_cli = AppGroup("jobs", help="Geplande taken.")
import_cli = AppGroup("import", help="Bestanden inlezen (alles of niets).")
export_cli = AppGroup("export", help="Gegevens uitvoeren.")


def _report_rejection(exc) -> None:
    click.echo(f"Niet geïmporteerd: {len(exc.errors)} probleem/problemen gevonden; er is niets opgeslagen.", err=True)
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
        with session_scope() as session:
            with click.progressbar(length=len(table.rows), label=f"{len(table.rows)} rijen controleren",
                                   file=sys.stderr) as bar:
                def progress(n: int) -> None:
                    deadline.check()
                    bar.update(n)

                if kind == "providers":
                    result = provider_importer.import_providers(session, table, path, dry_run=dry_run, actor="cli",
                                                                progress=progress)
                else:
                    result = capacity_importer.import_capacity(session, table, path, dry_run=dry_run, actor="cli",
                                                               config=current_app.config, progress=progress)
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


@jobs_cli.command("run", help="Voer een taak één keer uit (freshness, reminders, expire_statuses, region_snapshots).")
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

    scheduler = build_scheduler(current_app._get_current_object())
    click.echo("Planner gestart (Europe/Amsterdam): " + ", ".join(j.id for j in scheduler.get_jobs()))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass


def init_app(app: Flask) -> None:
    app.cli.add_command(setup_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(export_cli)
    app.cli.add_command(scheduler_command)
