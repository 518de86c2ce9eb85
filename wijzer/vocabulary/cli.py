"""``flask --app wsgi vocabulary list|add``: the extendable vocabularies on the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from wijzer.db import session_scope

vocabulary_cli = AppGroup("vocabulary", help="Vocabulaires (zorgsoort, doelgroep, vorm, financiering).")


@vocabulary_cli.command("list", help="Toon alle termen per lijst.")
def vocabulary_list():
    from wijzer.services import vocabulary

    with session_scope() as session:
        for name, items in vocabulary.terms(session).items():
            click.echo(f"{name}:")
            for t in items:
                click.echo(f"  {t.code:28} {t.label}{'' if t.built_in else '  (toegevoegd)'}")


@vocabulary_cli.command(
    "add", help="Voeg een term toe, bijv.: vocabulary add doelgroep eetstoornis Eetstoornis"
)
@click.argument("vocabulary_name", metavar="LIJST")
@click.argument("code")
@click.argument("label", metavar="OMSCHRIJVING")
def vocabulary_add(vocabulary_name, code, label):
    from wijzer.services import auditlog, vocabulary

    try:
        with session_scope() as session:
            term = vocabulary.add_term(session, vocabulary_name, code, label)
            auditlog.record(
                session,
                action="vocabulary.add",
                entity="vocabulary_term",
                entity_id=term.id,
                actor="cli",
                detail={"vocabulary": term.vocabulary, "code": term.code, "label": term.label},
            )
            click.echo(f"Toegevoegd aan {vocabulary_name}: {term.code} ({term.label})")
    except vocabulary.VocabularyError as exc:
        raise click.ClickException(exc.message) from None
    with session_scope() as session:
        vocabulary.refresh_domain(session)  # after the commit: this process sees the new term at once
