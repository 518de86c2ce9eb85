"""Fixtures for the plaatsingsverzoek: three providers with one offering each (two free places at A,
one at B and C), their staff, two referrers, and helpers to send a request and to answer it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from wijzer.schemas_placement import AnswerInput, RequestInput
from wijzer.services import placement
from wijzer.services.placement import local_today
from wijzer.timeutil import utcnow


@pytest.fixture
def pworld(session, make_provider, make_location, make_offering, make_user, report):
    providers, offerings, staff = [], [], []
    for name, kvk, pc, free in (
        ("Logeerhuis A", "31111111", "3511", 2),
        ("Logeerhuis B", "32222222", "3512", 1),
        ("Logeerhuis C", "33333333", "1012", 1),
    ):
        p = make_provider(name=name, kvk=kvk, email=f"info@{kvk}.nl")
        loc = make_location(p, postcode=pc)
        off = make_offering(
            p, loc, care_type="logeeropvang", ref=f"L-{kvk[:2]}", tags=["vg"], min_age=4, max_age=18
        )
        report(off, free_places=free, intake_status="open")
        providers.append(p)
        offerings.append(off)
        staff.append(make_user("provider", provider=p, email=f"staf@{kvk}.nl"))
    referrers = [
        make_user("referrer", email="poh1@huisarts.nl", name="R. Verwijzer"),
        make_user("referrer", email="poh2@wijkteam.nl", name="W. Team"),
    ]
    return {"providers": providers, "offerings": offerings, "staff": staff, "referrers": referrers}


def request_data(offering_ids, **over) -> RequestInput:
    today = local_today(utcnow())
    data = {
        "offering_ids": offering_ids,
        "age": 9,
        "tags": ["vg"],
        "care_type": "logeeropvang",
        "gemeente_code": "GM0344",
        "start_from": today + timedelta(days=7),
        "start_to": today + timedelta(days=21),
        "note": "Weekendopvang gezocht, liefst om de week.",
        "reference": "DOS-2026/17",
    } | over
    return RequestInput.model_validate(data)


@pytest.fixture
def send(app, session, pworld):
    """send(offering indexes, referrer index=0, now=None, **overrides) -> PlacementRequest (committed)."""

    def go(indexes=(0, 1, 2), referrer=0, now=None, **over):
        with app.app_context():
            req = placement.create_request(
                session,
                pworld["referrers"][referrer],
                request_data([pworld["offerings"][i].id for i in indexes], **over),
                now=now,
                config=app.config,
            )
            session.commit()
        return req

    return go


def answer(answer: str, **fields) -> AnswerInput:
    return AnswerInput.model_validate({"answer": answer} | fields)


def items_of(session, req):
    from sqlmodel import select

    from wijzer.models import PlacementItem

    session.expire_all()
    return session.exec(
        select(PlacementItem).where(PlacementItem.request_id == req.id).order_by(PlacementItem.id)
    ).all()


@pytest.fixture
def run_job(app):
    from wijzer.jobs import run_job as run

    def go(name, now=None):
        with app.app_context():
            result = run(name, now=now)
        assert result.status == "ok", result.detail
        return result

    return go
