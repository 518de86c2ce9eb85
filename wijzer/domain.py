"""Domain vocabularies (codes and Dutch labels). See docs in README, 'Domein'."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

CARE_TYPES: dict[str, str] = {
    "respijtzorg": "Respijtzorg",
    "logeeropvang": "Logeeropvang",
    "specialistische_jeugdhulp": "Specialistische jeugdhulp",
    "onderwijs_zorgarrangement": "Onderwijs-zorgarrangement",
}

TAGS: dict[str, str] = {
    "ggz": "Jeugd-GGZ",
    "lvb": "Licht verstandelijke beperking (LVB)",
    "vg": "Verstandelijke beperking (VG)",
    "ass": "Autismespectrumstoornis (ASS)",
    "lg": "Lichamelijke beperking (LG)",
    "zg": "Zintuiglijke beperking (ZG)",
    "emb": "Ernstig meervoudige beperking (EMB)",
    "gedrag": "Gedragsproblemen",
    "trauma": "Trauma",
}

MODALITIES: dict[str, str] = {
    "dag": "Overdag",
    "doordeweeks": "Doordeweeks",
    "weekend": "Weekend",
    "vakantie": "Vakantie",
    "nacht": "Nacht",
    "thuis": "Thuis (bij het gezin)",
}

FUNDING: dict[str, str] = {
    "zin": "Zorg in natura (ZIN)",
    "pgb": "Persoonsgebonden budget (PGB)",
}

INTAKE_STATUSES: dict[str, str] = {
    "open": "Open",
    "wachtlijst": "Wachtlijst",
    "opnamestop": "Opnamestop",
    "alleen_crisis": "Alleen crisis",
}

# iJw code list JZ020 (iJw 3.2): youth-care product categories.
JZ020_CATEGORIES: dict[str, str] = {
    "40": "Persoonlijke verzorging",
    "41": "Dagbehandeling",
    "42": "Vervoer",
    "43": "Verblijf incl. behandeling",
    "44": "Verblijf excl. behandeling",
    "45": "Ambulant",
    "46": "Crisis",
    "47": "Jeugdreclassering",
    "48": "Jeugdbescherming",
    "49": "Preventief justitieel kader",
    "50": "Maatwerkarrangementen",
    "51": "Generalistische basis-ggz",
    "52": "Specialistische ggz",
    "53": "Kindergeneeskunde",
    "54": "Jeugd-ggz",
    "55": "Landelijk ingekochte zorg",
}

ROLES: dict[str, str] = {
    "admin": "Beheerder",
    "provider": "Medewerker zorgaanbieder",
    "referrer": "Verwijzer",
    "auditor": "Regio-auditor",
    "region_admin": "Regiobeheerder",
}
# Roles bound to one jeugdregio that see its audit pages.
REGION_ROLES = ("auditor", "region_admin")

FRESHNESS: dict[str, str] = {
    "fresh": "Actueel",
    "aging": "Verouderend",
    "stale": "Verouderd – onbetrouwbaar",
    "unknown": "Onbekend – nooit bevestigd",
}

REPORT_KINDS: dict[str, str] = {
    "update": "Wijziging",
    "confirm": "Bevestigd: alles klopt nog",
}

REPORT_SOURCES: dict[str, str] = {
    "portal": "Portaal",
    "import": "Bestand",
    "api": "API",
    "email_link": "Link in e-mail",
    "plaatsing": "Plaatsing (bevestigd plaatsingsverzoek)",
}

# Freshness: days since the last confirmation within which an offering is "actueel" (fresh), after which it
# is "verouderd" (stale). The defaults of config FRESH_DAYS / STALE_DAYS; a jeugdregio may override them.
FRESH_DAYS = 7
STALE_DAYS = 14

MIN_AGE, MAX_AGE = 0, 27
MAX_WAIT_WEEKS = 260
MAX_PLACES = 10_000
MAX_WAITLIST = 100_000


def pack(values) -> str:
    """Store a list as '|a|b|' so that LIKE '%|a|%' matches one whole value, portably."""
    items = [v for v in (values or []) if v]
    return "|" + "|".join(items) + "|" if items else ""


def unpack(packed: str | None) -> list[str]:
    return [v for v in (packed or "").split("|") if v]


def match_key(text: object) -> str:
    """Text as it is matched against codes, labels and column names: lower case, without accents,
    spaces, hyphens, underscores or apostrophes ('Regio’s' == 'regios', 'Alleen crisis' == 'alleen_crisis')."""
    return _match_key(str(text or ""))


@lru_cache(maxsize=4096)  # an import matches the same few codes and labels on every row
def _match_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s\-_'’‘`]+", "", plain).lower()


_CODE_LOOKUPS: dict[int, tuple[dict[str, str], dict[str, str]]] = {}


def code_for(vocabulary: dict[str, str], value: object) -> str | None:
    """The code of ``value`` in a vocabulary above, given as its code or its Dutch label (with or without
    the abbreviation in brackets: 'Zorg in natura (ZIN)', 'Zorg in natura', 'ZIN', 'zin'), or None."""
    cached = _CODE_LOOKUPS.get(id(vocabulary))
    if cached is None or cached[0] is not vocabulary:
        lookup: dict[str, str] = {}
        for code in vocabulary:
            lookup.setdefault(match_key(code), code)
        for code, label in vocabulary.items():
            lookup.setdefault(match_key(label), code)
            lookup.setdefault(match_key(re.sub(r"\s*\([^)]*\)\s*$", "", label)), code)
        cached = _CODE_LOOKUPS[id(vocabulary)] = (vocabulary, lookup)
    return cached[1].get(match_key(value))
