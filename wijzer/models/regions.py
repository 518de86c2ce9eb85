from __future__ import annotations

from sqlmodel import Field, SQLModel


class Jeugdregio(SQLModel, table=True):
    __tablename__ = "jeugdregio"
    code: str = Field(primary_key=True, max_length=4)  # JZ01..JZ43
    name: str = Field(max_length=120)
    lat: float
    lon: float
    # Escalation addresses, one or more, stored as "a@x.nl, b@y.nl" (see contact_list).
    contact_email: str | None = Field(default=None, max_length=2000)
    # E-mail domains whose referrers may register themselves for this region, packed '|a.nl|b.nl|'.
    referrer_domains: str = Field(default="", max_length=1000, sa_column_kwargs={"server_default": ""})
    # Per-region overrides; None means the app default.
    fresh_days: int | None = None
    stale_days: int | None = None
    norm_intake_weeks: int | None = None
    norm_treatment_weeks: int | None = None
    travel_km: float | None = None

    @property
    def contact_list(self) -> list[str]:
        return [a.strip() for a in (self.contact_email or "").replace(";", ",").split(",") if a.strip()]

    @property
    def referrer_domain_list(self) -> list[str]:
        return [d for d in (self.referrer_domains or "").split("|") if d]


class Gemeente(SQLModel, table=True):
    __tablename__ = "gemeente"
    code: str = Field(primary_key=True, max_length=6)  # GM0344
    name: str = Field(max_length=120)
    province_code: str = Field(max_length=4)
    province_name: str = Field(max_length=60)
    region_code: str = Field(foreign_key="jeugdregio.code", index=True, max_length=4)
    lat: float
    lon: float


class PostcodeArea(SQLModel, table=True):
    __tablename__ = "postcode_area"
    pc4: str = Field(primary_key=True, max_length=4)
    lat: float
    lon: float
    place: str = Field(max_length=120)
    municipality_code: str = Field(foreign_key="gemeente.code", index=True, max_length=6)
