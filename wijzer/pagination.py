"""One pagination helper for pages and APIs: parse ``page``/``per_page`` once, with bounds, and describe
the page that was served (HSDS ``Page`` fields included).

Bounds are checked before any query runs, so a page number such as 99999999999999999999999 gets a clear
400 instead of an integer overflow in the database. A page past the last one is not an error: it is an
empty page that says how many pages there are (``empty``/``total_pages``), so a client can go back.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_PAGE = 1_000_000  # far beyond any real listing; keeps offsets well inside a 64-bit integer


class PaginationError(ValueError):
    """Bad ``page``/``per_page``; ``field`` names the parameter, the message is Dutch and shown as is."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    per_page: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def _whole_number(raw: str, name: str, low: int, high: int) -> int:
    text = raw.strip()
    if not text.isdigit() or len(text) > len(str(high)):
        raise PaginationError(name, f"{name} is een heel getal van {low} tot en met {high}.")
    value = int(text)
    if not low <= value <= high:
        raise PaginationError(name, f"{name} is een heel getal van {low} tot en met {high}.")
    return value


def parse_page(args: Mapping[str, str], *, default_per_page: int = 50, max_per_page: int = 200,
               max_page: int = MAX_PAGE) -> PageRequest:
    """``page`` (1..max_page) and ``per_page`` (1..max_per_page) from query arguments; absent means default.

    Raises PaginationError with a Dutch message for anything else (0, negative, not a whole number, too big).
    """
    page, per_page = 1, default_per_page
    if args.get("page") is not None:
        page = _whole_number(args["page"], "page", 1, max_page)
    if args.get("per_page") is not None:
        per_page = _whole_number(args["per_page"], "per_page", 1, max_per_page)
    return PageRequest(page, per_page)


@dataclass
class Page:
    request: PageRequest
    total: int
    items: list[Any] = field(default_factory=list)

    @property
    def total_pages(self) -> int:
        return max(1, math.ceil(self.total / self.request.per_page))

    @property
    def out_of_range(self) -> bool:
        """A page past the last one (served as an empty page)."""
        return self.request.page > self.total_pages

    def hsds(self) -> dict[str, Any]:
        """The HSDS 3.1 ``Page`` object with ``contents``."""
        return {"total_items": self.total, "total_pages": self.total_pages, "page_number": self.request.page,
                "size": len(self.items), "first_page": self.request.page == 1,
                "last_page": self.request.page >= self.total_pages, "empty": not self.items,
                "contents": self.items}
