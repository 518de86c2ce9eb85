"""Row-level errors shared by all importers, and the mapping of schema errors to file columns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based as in a spreadsheet (row 1 is the header); 0 for the whole file
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return f"bestand: {self.message}"
        return f"rij {self.row}, kolom {self.column or '-'}: {self.message}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column or None, "message": self.message}


class ImportRejected(Exception):
    """The file was not imported; ``errors`` lists every problem."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


@dataclass
class ImportResult:
    rows: int = 0
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    def summary(self) -> str:
        parts = [f"{self.rows} rijen"]
        for key, label in (
            ("provider", "aanbieders"),
            ("location", "locaties"),
            ("offering", "aanbod"),
            ("report", "capaciteitsmeldingen"),
            ("invitation", "uitnodigingen"),
        ):
            c, u = self.created.get(key, 0), self.updated.get(key, 0)
            if c or u:
                parts.append(
                    f"{label}: {c} nieuw, {u} bijgewerkt"
                    if key not in ("report", "invitation")
                    else f"{c} {label}"
                )
        prefix = "Controle geslaagd (er is niets opgeslagen)" if self.dry_run else "Geïmporteerd"
        return f"{prefix}: " + ", ".join(parts)


def schema_errors(row: int, problems: dict[str, str], columns: dict[str, str]) -> list[RowError]:
    """Schema field errors -> file column errors (``columns`` maps schema field -> column name)."""
    return [RowError(row, columns.get(f, "" if f == "__all__" else f), msg) for f, msg in problems.items()]
