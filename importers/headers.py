"""Dutch column headers as aliases of the documented (English) ones, for provider and capacity files.

A header matches a column when both are equal after ``wijzer.domain.match_key`` (case, spaces, hyphens,
underscores, apostrophes and accents ignored): "Vrije plekken", "vrije_plekken" and "VRIJE-PLEKKEN" are
all ``free_places``, and so are "free places" and "Free-Places". An alias counts only for an importer that
knows its column (``total_places`` once the capacity importer reads it; ``staff_emails`` likewise).
"""

from __future__ import annotations

from wijzer.domain import match_key

ALIASES: dict[str, str] = {
    # provider files (one row per offering)
    "aanbieder": "provider_name",
    "kvk": "kvk",
    "agb": "agb",
    "website": "website",
    "telefoon": "phone",
    "e-mail": "email",
    "locatie": "location_name",
    "straat": "street",
    "huisnummer": "house_number",
    "postcode": "postcode",
    "plaats": "city",
    "aanbodcode": "offering_ref",
    "zorgsoort": "care_type",
    "doelgroepen": "tags",
    "minimumleeftijd": "min_age",
    "maximumleeftijd": "max_age",
    "vormen": "modalities",
    "financiering": "funding",
    "regio's": "regions",
    "categorie": "category",
    "omschrijving": "description",
    "medewerkers": "staff_emails",
    # capacity files
    "vrije plekken": "free_places",
    "totaal plekken": "total_places",
    "aanmeldingswachttijd": "waiting_weeks_intake",
    "behandelingswachttijd": "waiting_weeks_treatment",
    "wachtlijst": "waitlist_length",
    "intakestatus": "intake_status",
    "status tot": "status_until",
    "volgende vrije plek": "next_free_date",
    "toelichting": "note",
    "gemeld op": "reported_at",
}


def resolver(known: set[str] | frozenset[str]):
    """A function header -> the documented column it names among ``known`` (by its own name or a Dutch
    alias), or None."""
    by_key = {match_key(column): column for column in known}
    for key, english in _ALIAS_KEYS.items():
        if english in known:
            by_key.setdefault(key, english)
    return lambda header: by_key.get(match_key(header))


_ALIAS_KEYS = {match_key(dutch): english for dutch, english in ALIASES.items()}
