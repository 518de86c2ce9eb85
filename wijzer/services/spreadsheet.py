"""Formula-injection neutralisation for every text cell that leaves the app in a CSV or XLSX file
(OWASP "CSV Injection"): a value whose first (non-blank) character is ``= + - @``, a tab, CR or LF, or a
full-width form of those, gets a leading ``'`` so that no spreadsheet reads it as a formula."""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(text: str) -> str:
    stripped = text.lstrip(" \u00a0")
    if stripped[:1] in FORMULA_TRIGGERS or text[:1] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def neutralise_cell(value: object) -> object:
    """Text neutralised; numbers, dates, booleans and None unchanged."""
    return neutralise(value) if isinstance(value, str) else value
