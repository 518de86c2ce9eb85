"""Extendable vocabularies: zorgsoort, doelgroep, vorm and financiering are data an admin can extend.

The terms live in the ``vocabulary_term`` table (seeded from the dicts in ``wijzer.domain`` by
``flask setup``). The rest of the code keeps reading ``domain.CARE_TYPES``, ``domain.TAGS``,
``domain.MODALITIES`` and ``domain.FUNDING``: ``refresh_domain`` updates those dicts *in place* from the
table, so every ``from wijzer.domain import TAGS`` sees new terms and validation accepts them.
The dicts are refreshed when an app serves its first request, at most every
``VOCABULARY_REFRESH_SECONDS`` after that (other worker processes pick up a new term within that time),
and at once in the process where an admin adds a term. The built-in terms always stay (a term cannot be
removed: offerings may use it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from wijzer import domain
from wijzer.models import VocabularyTerm

# Offering column that stores a vocabulary's codes packed as '|a|b|' (every selection must fit in it).
PACKED_COLUMN: dict[str, str] = {"doelgroep": "tags", "vorm": "modalities", "financiering": "funding"}
# vocabulary name (also the HSDS taxonomy "wijzer:<name>") -> (Dutch title, name of the dict in wijzer.domain)
VOCABULARIES: dict[str, tuple[str, str]] = {
    "zorgsoort": ("Zorgsoorten", "CARE_TYPES"),
    "doelgroep": ("Doelgroepen", "TAGS"),
    "vorm": ("Vormen", "MODALITIES"),
    "financiering": ("Financiering", "FUNDING"),
}
# The built-in terms, as shipped in wijzer.domain (copied before any refresh can touch the dicts).
BUILT_IN: dict[str, dict[str, str]] = {
    name: dict(getattr(domain, attr)) for name, (_, attr) in VOCABULARIES.items()
}
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,29}$")


class VocabularyError(ValueError):
    """A term that cannot be added (Dutch message; ``field`` is the form field)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class Term:
    vocabulary: str
    code: str
    label: str
    built_in: bool


def _dict(vocabulary: str) -> dict[str, str]:
    terms: dict[str, str] = getattr(domain, VOCABULARIES[vocabulary][1])
    return terms


def seed(session: Session) -> int:
    """Add the built-in terms that are not in the table yet (idempotent); returns how many were added."""
    present = set(session.exec(select(VocabularyTerm.vocabulary, VocabularyTerm.code)).all())
    added = 0
    for vocabulary, terms in BUILT_IN.items():
        for code, label in terms.items():
            if (vocabulary, code) not in present:
                session.add(VocabularyTerm(vocabulary=vocabulary, code=code, label=label))
                added += 1
    session.flush()
    return added


def load(session: Session) -> dict[str, dict[str, str]]:
    """Built-in terms first (in their order), then the added ones in the order they were added."""
    out = {name: dict(terms) for name, terms in BUILT_IN.items()}
    for row in session.exec(select(VocabularyTerm).order_by(col(VocabularyTerm.id))).all():
        if row.vocabulary in out:
            out[row.vocabulary].setdefault(row.code, row.label)
    return out


def apply(terms: dict[str, dict[str, str]]) -> None:
    """Update the wijzer.domain dicts in place. Never empties a dict, so a concurrent reader in another
    thread sees either the old or the new terms, never none."""
    for vocabulary, new in terms.items():
        target = _dict(vocabulary)
        target.update(new)
        for code in [c for c in target if c not in new]:
            del target[code]


def refresh_domain(session: Session) -> None:
    apply(load(session))


def terms(session: Session) -> dict[str, list[Term]]:
    return {
        name: [Term(name, code, label, code in BUILT_IN[name]) for code, label in found.items()]
        for name, found in load(session).items()
    }


def add_term(session: Session, vocabulary: str, code: str, label: str) -> VocabularyTerm:
    """Add a term (validated; flushed, not committed). The caller commits, then calls ``refresh_domain``."""
    if vocabulary not in VOCABULARIES:
        raise VocabularyError(
            f"Onbekende lijst '{vocabulary}'. Kies uit: {', '.join(VOCABULARIES)}.", "vocabulary"
        )
    code = (code or "").strip().lower()
    label = " ".join((label or "").split())
    if not CODE_RE.match(code):
        raise VocabularyError(
            "De code bestaat uit 2 tot 30 kleine letters, cijfers of _, en begint met een letter "
            "(bijvoorbeeld eetstoornis).",
            "code",
        )
    if not 2 <= len(label) <= 120:
        raise VocabularyError("Geef een omschrijving van 2 tot 120 tekens.", "label")
    current = load(session)[vocabulary]
    if code in current:
        raise VocabularyError(f"De code '{code}' bestaat al in deze lijst.", "code")
    column = PACKED_COLUMN.get(vocabulary)
    if column is not None:
        from wijzer.db import table_of
        from wijzer.models import Offering

        # SQLModel's AutoString is a TypeDecorator that passes ``length`` on to its String.
        room: int | None = getattr(table_of(Offering).c[column].type, "length", None)
        if room is not None and len(domain.pack([*current, code])) > room:
            raise VocabularyError(
                f"Deze lijst is vol: alle codes samen moeten in {room} tekens passen (aanbod kan "
                "ze allemaal kiezen). Kies een kortere code.",
                "code",
            )
    term = VocabularyTerm(vocabulary=vocabulary, code=code, label=label)
    session.add(term)
    session.flush()
    return term
