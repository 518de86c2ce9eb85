"""One place for numbers that come from a URL: database ids and page numbers, bounded before they reach
a query (SQLite and PostgreSQL integers are 64/32-bit; Python's are not), with Dutch messages."""
from __future__ import annotations

import math
from dataclasses import dataclass

MAX_ID = 2**31 - 1  # the database's integer primary keys
MAX_PAGE = 100_000


class BadNumber(ValueError):
    """A number parameter is missing its form or range; the message is Dutch and names the parameter."""

    def __init__(self, message: str, param: str):
        super().__init__(message)
        self.param = param


def parse_ids(raw: str | None, param: str = "ids", limit: int = 100) -> list[int]:
    """'12,13' -> [12, 13]; every id a whole number from 1 to MAX_ID, at most ``limit`` of them."""
    out = []
    for part in (raw or "").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= MAX_ID:
            raise BadNumber(f"'{part[:20]}' is geen geldig nummer in {param}.", param)
        out.append(int(part))
    return list(dict.fromkeys(out))[:limit]


def parse_page(raw: str | None, param: str = "pagina") -> int:
    """A page number from 1 to MAX_PAGE (absent or empty: 1)."""
    raw = (raw or "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadNumber(f"Het paginanummer ({param}) is een heel getal vanaf 1.", param)
    return int(raw)


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def beyond_last(self) -> bool:
        return self.number > self.pages


def page_of(number: int, size: int, total: int) -> Page:
    return Page(number=number, size=size, total=total)
