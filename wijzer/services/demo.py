"""Deterministic, realistic demo data: providers spread over the country, 1–5 locations each,
several offerings per provider, a year of weekly capacity history, with some providers lapsing.

Used by ``make demo`` (a few hundred providers) and the benchmarks (the national dataset:
5,000 providers, ~15,000 locations, ~40,000 offerings, ~1.8 million capacity reports). Rows are
written with bulk INSERTs in one transaction; the current state of each offering is set from its
last generated report, exactly as ``services.availability.record_report`` would leave it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, update
from sqlmodel import Session, select

from wijzer import hsds_ids
from wijzer.db import sync_id_sequences, table_of
from wijzer.domain import CARE_TYPES, FRESH_DAYS, STALE_DAYS, pack
from wijzer.geo import PostcodePoint, _pc4_table
from wijzer.models import CapacityReport, Location, Offering, Provider
from wijzer.services.availability import freshness_of
from wijzer.timeutil import utcnow

Row = dict[str, Any]  # one row for a bulk insert

DEMO_KVK_BASE = 90_000_000  # demo KvK numbers are 9xxxxxxx, so they never clash with real ones
PREFIXES = [
    "Stichting",
    "Zorggroep",
    "Jeugdzorg",
    "Stichting Jeugdhulp",
    "Logeerhuis",
    "Kindcentrum",
    "Zorgboerderij",
    "Stichting Respijt",
    "Expertisecentrum",
    "Praktijk",
]
NAMES = [
    "De Linde",
    "Het Anker",
    "De Regenboog",
    "Zonnebloem",
    "De Boomgaard",
    "Het Baken",
    "De Vlinder",
    "Kompas",
    "De Hoeve",
    "Lindenhof",
    "De Horizon",
    "Het Kasteel",
    "De Wilgen",
    "Sterrenhuis",
    "De Vuurtoren",
    "Klavertje Vier",
    "De Eik",
    "Het Nest",
    "De Brug",
    "Duinzicht",
    "Polderzorg",
    "Het Palet",
    "De Kajuit",
    "Zeven Linden",
    "De Toekomst",
    "Het Groene Huis",
    "De Molen",
    "Waterrijk",
]
STREETS = [
    "Dorpsstraat",
    "Kerkstraat",
    "Schoolstraat",
    "Molenweg",
    "Stationsweg",
    "Lindelaan",
    "Julianastraat",
    "Wilhelminalaan",
    "Beatrixstraat",
    "Emmastraat",
    "Parkweg",
    "Vijverlaan",
]
CARE_WEIGHTS = {
    "respijtzorg": 25,
    "logeeropvang": 25,
    "specialistische_jeugdhulp": 35,
    "onderwijs_zorgarrangement": 15,
}
TAGS_BY_TYPE = {
    "respijtzorg": ["vg", "emb", "ass", "lg", "zg", "lvb"],
    "logeeropvang": ["vg", "emb", "ass", "lvb", "lg", "gedrag"],
    "specialistische_jeugdhulp": ["ggz", "lvb", "ass", "gedrag", "trauma", "vg"],
    "onderwijs_zorgarrangement": ["ass", "lvb", "gedrag", "ggz", "vg", "emb"],
}
MODALITIES_BY_TYPE = {
    "respijtzorg": ["dag", "thuis", "weekend", "doordeweeks"],
    "logeeropvang": ["weekend", "vakantie", "nacht", "doordeweeks"],
    "specialistische_jeugdhulp": ["dag", "doordeweeks", "thuis"],
    "onderwijs_zorgarrangement": ["dag", "doordeweeks"],
}
CATEGORY_BY_TYPE = {
    "respijtzorg": ["40", "44", "50"],
    "logeeropvang": ["44", "43"],
    "specialistische_jeugdhulp": ["45", "41", "54", "52"],
    "onderwijs_zorgarrangement": ["50", "41"],
}
DESCRIPTIONS = {
    "respijtzorg": "Wij nemen de zorg tijdelijk over zodat ouders op adem kunnen komen, thuis of op onze locatie.",
    "logeeropvang": "Logeren in een huiselijke omgeving: weekenden, vakanties en doordeweekse nachten.",
    "specialistische_jeugdhulp": "Specialistische behandeling en begeleiding door een multidisciplinair team.",
    "onderwijs_zorgarrangement": "Onderwijs en zorg op maat voor kinderen die (nog) niet volledig naar school kunnen.",
}
DEMO_PASSWORD = "Demo-wachtwoord-2026"  # noqa: S105 — the documented demo password (demo data only)


@dataclass
class SeedResult:
    providers: int = 0
    locations: int = 0
    offerings: int = 0
    reports: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (role, email, password)


def _next_id(session: Session, model: type[Provider | Location | Offering | CapacityReport]) -> int:
    return (session.exec(select(func.max(model.id))).one() or 0) + 1


def _chunks(rows: Iterator[Row], size: int = 20_000) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _weekly_history(
    rng: random.Random, care_type: str, now: datetime, lapse_weeks: int | None, weeks: int
) -> list[Row]:
    """A year of weekly reports ending ``lapse_weeks`` ago (None: reports up to this week)."""
    if lapse_weeks is not None and lapse_weeks >= weeks:
        return []
    specialist = care_type == "specialistische_jeugdhulp"
    status = rng.choices(["open", "wachtlijst", "opnamestop", "alleen_crisis"], [35, 45, 12, 8])[0]
    wait_i = rng.randint(0, 6) + (rng.randint(2, 14) if specialist else 0)
    wait_t = rng.randint(0, 8) + (rng.randint(2, 16) if specialist else 0)
    waitlist = rng.randint(0, 40 if specialist else 12)
    places = rng.randint(1, 4) if status == "open" else 0
    out: list[Row] = []
    start = weeks - 1
    stop = lapse_weeks or 0
    for w in range(start, stop - 1, -1):
        at = now - timedelta(weeks=w, days=rng.random() * 2, hours=rng.randint(0, 8))
        if w == start or rng.random() < 0.45:  # an edit; otherwise "alles klopt nog"
            if rng.random() < 0.2:
                status = rng.choices(["open", "wachtlijst", "opnamestop", "alleen_crisis"], [35, 45, 12, 8])[
                    0
                ]
            wait_i = max(0, min(52, wait_i + rng.randint(-2, 2)))
            wait_t = max(0, min(78, wait_t + rng.randint(-2, 2)))
            waitlist = max(0, waitlist + rng.randint(-3, 3))
            places = max(0, min(8, places + rng.randint(-1, 1))) if status == "open" else 0
            kind = "update"
        else:
            kind = "confirm"
        out.append(
            {
                "reported_at": at,
                "kind": kind,
                "free_places": places,
                "wait_intake": wait_i,
                "wait_treatment": wait_t,
                "waitlist_length": waitlist,
                "intake_status": status,
                "source": rng.choices(["portal", "import", "api", "email_link"], [70, 15, 10, 5])[0],
            }
        )
    return out


def seed(
    session: Session,
    *,
    providers: int,
    seed_value: int = 1,
    weeks: int = 52,
    now: datetime | None = None,
    config: Mapping[str, Any] | None = None,
) -> SeedResult:
    """Generate ``providers`` demo providers. Refuses to run twice on the same database."""
    now = now or utcnow()
    fresh_days = config["FRESH_DAYS"] if config else FRESH_DAYS
    stale_days = config["STALE_DAYS"] if config else STALE_DAYS
    if session.exec(select(Provider.id).where(Provider.kvk == str(DEMO_KVK_BASE + 1))).first():
        raise ValueError("Deze database bevat al demogegevens.")
    rng = random.Random(seed_value)  # noqa: S311 — reproducible demo data, not security
    pcs = sorted(_pc4_table().values(), key=lambda p: p.pc4)
    by_gemeente: dict[str, list[PostcodePoint]] = {}
    for p in pcs:
        by_gemeente.setdefault(p.municipality_code, []).append(p)
    care_types = list(CARE_WEIGHTS)
    weights = list(CARE_WEIGHTS.values())

    pid0, lid0, oid0, rid0 = (_next_id(session, m) for m in (Provider, Location, Offering, CapacityReport))
    provider_rows: list[Row] = []
    location_rows: list[Row] = []
    offering_rows: list[Row] = []
    histories: list[tuple[int, list[Row]]] = []
    oid = oid0
    lid = lid0
    for i in range(providers):
        pid = pid0 + i
        home = _pc4_table()["3511"] if i == 0 else rng.choice(pcs)  # provider 1: Utrecht, for the demo logins
        name = (
            "Stichting Logeerhuis De Linde"
            if i == 0
            else f"{rng.choice(PREFIXES)} {rng.choice(NAMES)} {home.place}"
        )
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:24]
        provider_rows.append(
            {
                "id": pid,
                "name": name,
                "kvk": str(DEMO_KVK_BASE + 1 + i),
                "agb": f"{rng.randint(10000000, 99999999)}" if rng.random() < 0.7 else None,
                "website": f"https://www.{slug}.nl",
                "phone": f"0{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}",
                "email": f"info@{slug}.nl",
                "created_at": now - timedelta(weeks=weeks + 1),
                "updated_at": now,
            }
        )
        # Lapsing: ~60 % keep up weekly, ~25 % a few weeks behind, ~10 % long stale, ~5 % never report.
        r = rng.random()
        lapse = (
            None
            if r < 0.6 or i == 0
            else rng.randint(1, 3)
            if r < 0.85
            else rng.randint(3, 20)
            if r < 0.95
            else weeks
        )
        n_locations = 3 if i == 0 else rng.choices([1, 2, 3, 4, 5], [15, 27, 26, 18, 14])[0]
        n_offerings = 25 if i == 0 else max(n_locations, rng.choices(range(2, 15), None)[0])
        locs = []
        for j in range(n_locations):
            near = by_gemeente.get(home.municipality_code, [home]) if rng.random() < 0.7 or j == 0 else pcs
            pc = home if j == 0 else rng.choice(near if rng.random() < 0.8 else pcs)
            letters = "".join(rng.choice("ABCEGHJKLMNPRTVXZ") for _ in range(2))
            location_rows.append(
                {
                    "id": lid,
                    "provider_id": pid,
                    "name": f"Locatie {pc.place}" + (f" {j + 1}" if j else ""),
                    "street": rng.choice(STREETS),
                    "house_number": str(rng.randint(1, 250)),
                    "postcode": pc.pc4 + letters,
                    "city": pc.place,
                    "lat": pc.lat,
                    "lon": pc.lon,
                    "municipality_code": pc.municipality_code,
                    "region_code": pc.region_code,
                    "created_at": now - timedelta(weeks=weeks + 1),
                    "updated_at": now,
                }
            )
            locs.append((lid, pc, location_rows[-1]["name"]))
            lid += 1
        for k in range(n_offerings):
            loc_id, pc, loc_name = locs[k % len(locs)]
            ct = care_types[k % 4] if i == 0 else rng.choices(care_types, weights)[0]
            tags = rng.sample(TAGS_BY_TYPE[ct], rng.randint(1, 3))
            mods = rng.sample(MODALITIES_BY_TYPE[ct], rng.randint(1, min(3, len(MODALITIES_BY_TYPE[ct]))))
            lo = rng.choice([0, 0, 4, 6, 12])
            hi = rng.choice([12, 18, 18, 18, 23]) if lo < 12 else rng.choice([18, 23])
            history = _weekly_history(rng, ct, now, lapse, weeks)
            last = history[-1] if history else None
            last_at = last["reported_at"] if last else None
            offering_rows.append(
                {
                    "id": oid,
                    "provider_id": pid,
                    "location_id": loc_id,
                    "offering_ref": f"AB-{k + 1:03d}",
                    "name": f"{CARE_TYPES[ct]} {pc.place}",
                    "care_type": ct,
                    "tags": pack(tags),
                    "min_age": lo,
                    "max_age": hi,
                    "modalities": pack(mods),
                    "funding": pack(rng.choice([["zin"], ["zin", "pgb"], ["pgb"], ["zin", "pgb"]])),
                    "contract_regions": pack([pc.region_code]),
                    "category": rng.choice(CATEGORY_BY_TYPE[ct]) if rng.random() < 0.8 else None,
                    "description": DESCRIPTIONS[ct],
                    "crisis_intake": rng.random() < 0.1,
                    "active": True,
                    "lat": pc.lat,
                    "lon": pc.lon,
                    "municipality_code": pc.municipality_code,
                    "region_code": pc.region_code,
                    "cur_free_places": last and last["free_places"],
                    "cur_wait_intake": last and last["wait_intake"],
                    "cur_wait_treatment": last and last["wait_treatment"],
                    "cur_waitlist_length": last and last["waitlist_length"],
                    "cur_intake_status": last and last["intake_status"],
                    "cur_status_until": None,
                    "cur_next_free_date": None,
                    "cur_note": None,
                    "last_reported_at": last_at,
                    "last_confirmed_at": last_at,
                    "last_report_id": None,
                    "needs_update": False,
                    "freshness": freshness_of(last_at, now, fresh_days, stale_days),
                    "created_at": now - timedelta(weeks=weeks + 1),
                    "updated_at": now,
                    "hsds_id": hsds_ids.service_id(provider_rows[-1]["kvk"], f"AB-{k + 1:03d}"),
                    "hsds_sal_id": hsds_ids.service_at_location_id(
                        provider_rows[-1]["kvk"], f"AB-{k + 1:03d}", loc_name
                    ),
                }
            )
            histories.append((oid, history))
            oid += 1

    session.execute(insert(Provider), provider_rows)
    session.execute(insert(Location), location_rows)
    for batch in _chunks(iter(offering_rows), 5_000):
        session.execute(insert(Offering), batch)

    last_report: dict[int, int] = {}

    def report_rows() -> Iterator[Row]:
        rid = rid0
        for off_id, history in histories:
            for h in history:
                yield {
                    "id": rid,
                    "offering_id": off_id,
                    "user_id": None,
                    "status_until": None,
                    "next_free_date": None,
                    "note": None,
                    "created_at": h["reported_at"],
                    **h,
                }
                last_report[off_id] = rid
                rid += 1

    n_reports = 0
    for batch in _chunks(report_rows()):
        session.execute(insert(CapacityReport), batch)
        n_reports += len(batch)
    # Point each offering at its last report (the current state's source).
    items = [{"oid": k, "rid": v} for k, v in last_report.items()]
    stmt = (
        update(table_of(Offering))
        .where(table_of(Offering).c.id == bindparam("oid"))
        .values(last_report_id=bindparam("rid"))
    )
    for batch in _chunks(iter(items), 10_000):
        session.connection().execute(stmt, batch)
    sync_id_sequences(session, Provider, Location, Offering, CapacityReport)  # the rows above carry their ids
    session.flush()
    return SeedResult(
        providers=len(provider_rows),
        locations=len(location_rows),
        offerings=len(offering_rows),
        reports=n_reports,
    )


def demo_accounts(session: Session) -> list[tuple[str, str, str]]:
    """Demo logins (one per role) for the first demo provider and region JZ22 (Utrecht Stad).

    Idempotent: existing accounts are left as they are."""
    from wijzer.services.accounts import create_user, user_by_email

    first = session.exec(select(Provider).where(Provider.kvk == str(DEMO_KVK_BASE + 1))).first()
    wanted = [
        ("admin", "beheerder@demo.wijzer.nl", None, None),
        ("provider", "aanbieder@demo.wijzer.nl", first.id if first else None, None),
        ("referrer", "verwijzer@demo.wijzer.nl", None, None),
        ("auditor", "regio@demo.wijzer.nl", None, "JZ22"),
    ]
    out = []
    for role, email, provider_id, region in wanted:
        if role == "provider" and provider_id is None:
            continue
        if user_by_email(session, email) is None:
            create_user(
                session,
                email=email,
                password=DEMO_PASSWORD,
                role=role,
                name=f"Demo {role}",
                provider_id=provider_id,
                region_code=region,
                actor="demo",
            )
        out.append((role, email, DEMO_PASSWORD))
    return out
