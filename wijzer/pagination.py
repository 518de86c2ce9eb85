"""One place for numbers that come from a URL: database ids and page numbers, bounded before they reach
a query (SQLite and PostgreSQL integers are 64/32-bit; Python's are not), with Dutch messages.

Pages (``parse_page`` + ``page_of``) and APIs (``parse_paging`` for ``page``/``per_page``, ``Page.hsds`` for
the HSDS ``Page`` object) share the same bounds. A page past the last one is not an error for an API: it
is an empty page that says how many pages there are (``beyond_last``), so a client can go back."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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

    def hsds(self, items: list[Any]) -> dict[str, Any]:
        """The HSDS 3.1 ``Page`` object around ``items`` (the rows of this page)."""
        return {
            "total_items": self.total,
            "total_pages": self.pages,
            "page_number": self.number,
            "size": len(items),
            "first_page": self.number == 1,
            "last_page": self.number >= self.pages,
            "empty": not items,
            "contents": items,
        }


def page_of(number: int, size: int, total: int) -> Page:
    return Page(number=number, size=size, total=total)


@dataclass(frozen=True)
class PageRequest:
    """``page``/``per_page`` of an API request, bounded; ``offset`` is safe for any database."""

    number: int = 1
    size: int = 50

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def of(self, total: int) -> Page:
        return page_of(self.number, self.size, total)


def parse_paging(
    args: Mapping[str, str],
    *,
    default_size: int = 50,
    max_size: int = 200,
    page_param: str = "page",
    size_param: str = "per_page",
) -> PageRequest:
    """``page`` (1..MAX_PAGE) and ``per_page`` (1..max_size) from query arguments; absent means default.
    Raises BadNumber (Dutch, names the parameter) for 0, negatives, non-numbers and numbers out of range."""
    number = parse_page(args.get(page_param), page_param)
    size = default_size
    if args.get(size_param) is not None:
        raw = args[size_param].strip()
        if not raw.isdigit() or len(raw) > len(str(max_size)) or not 1 <= int(raw) <= max_size:
            raise BadNumber(f"{size_param} is een heel getal van 1 tot en met {max_size}.", size_param)
        size = int(raw)
    return PageRequest(number, size)
