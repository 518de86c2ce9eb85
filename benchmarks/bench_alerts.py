"""Alerts job benchmark: 10,000 alerts over the national demo dataset (issue 13: one run <= 10 s).

Works on a copy of the national dataset (the run changes offerings): a file copy on SQLite, a scratch
database created from it as a template with ``WIJZER_BENCH_DATABASE_URL=postgresql+psycopg://…`` (dropped
after the run). 1,000 referrers with 10 alerts each; the filters are drawn like the search benchmark's queries (care type 90 %, postcode with a
10-50 km radius, age 70 %, a target group 20 %, a modality 20 %). Then, timed:

1. the first run ever (records every offering that is a place now; no mail);
2. a run after churn: 2 % of the offerings change (half of the places now lose theirs, as many others
   get one), so many alerts get a mail; mail goes to the outbox table (no SMTP server);
3. a run with nothing new.

    python benchmarks/bench_alerts.py [--alerts 10000] [--churn 0.02]
    WIJZER_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:54329/wijzer_bench python benchmarks/bench_alerts.py
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import timedelta

from common import ROOT, loadavg, machine, national_app, scratch_database
from sqlalchemy import func, insert, update
from sqlmodel import select

from wijzer.domain import CARE_TYPES, MODALITIES, TAGS
from wijzer.geo import _pc4_table
from wijzer.models import Alert, AlertMail, Offering, OutboxMail, User
from wijzer.services import alerts as svc
from wijzer.services.search import place_now_ids
from wijzer.timeutil import utcnow


def filters(rng: random.Random, pcs: list[str]) -> dict:
    q = {"postcode": rng.choice(pcs), "radius_km": str(rng.choice([10, 15, 25, 25, 35, 50]))}
    if rng.random() < 0.9:
        q["care_type"] = rng.choice(list(CARE_TYPES))
    if rng.random() < 0.7:
        q["age"] = str(rng.randint(0, 18))
    if rng.random() < 0.2:
        q["tags"] = rng.choice(list(TAGS))
    if rng.random() < 0.2:
        q["modality"] = ",".join(rng.sample(list(MODALITIES), 2))
    return q


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--churn", type=float, default=0.02)
    args = parser.parse_args()
    national_app()  # make sure the dataset exists (seeded when empty)
    # The run changes offerings and adds users, alerts and mails, so it works on a throw-away copy of the
    # dataset: a file copy on SQLite, a database created from it as a template on PostgreSQL.
    print(f"- load average before: {loadavg()}")
    with scratch_database("wijzer_alerts_bench", copy_of_dataset=True) as url:
        _run(url, args)
    print(f"- load average after: {loadavg()}")


def _run(url: str, args: argparse.Namespace) -> None:
    """Seed the alerts into the copy at ``url`` and time the three runs of the job."""
    from wijzer import create_app
    from wijzer.db import get_engine, metadata, new_session

    # bring the copy to the current schema (the dataset may have been built by an older version)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "setup"],
        check=True,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "WIJZER_DATABASE_URL": url},
    )
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "BASE_URL": "https://wijzer.example",
        }
    )
    rng = random.Random(7)
    pcs = sorted(_pc4_table())
    with app.app_context():
        metadata.create_all(get_engine())
        s = new_session()
        now = utcnow()
        users = [
            {
                "email": f"verwijzer{i}@bench.example",
                "password_hash": "x",
                "role": "referrer",
                "name": "Bench",
            }
            for i in range(args.alerts // 10)
        ]
        s.execute(insert(User), users)
        user_ids = s.exec(select(User.id).where(User.email.like("%@bench.example"))).all()
        rows = []
        for i in range(args.alerts):
            query, _f = svc.normalise_filters(filters(rng, pcs))
            rows.append(
                {
                    "user_id": user_ids[i % len(user_ids)],
                    "filters": query,
                    "label": "bench",
                    "created_at": now - timedelta(hours=1),
                    "expires_at": now + timedelta(days=80),
                    "paused": False,
                    "checked_until": now - timedelta(hours=1),
                }
            )
        s.execute(insert(Alert), rows)
        s.commit()

        def timed(label, at):
            start = time.perf_counter()
            claimed, _warned = svc.claim_alert_mails(s, at, app.config)
            mid = time.perf_counter()
            sent, failed = svc.send_alert_mails(s, at, app.config)
            end = time.perf_counter()
            print(
                f"- {label}: **{end - start:.2f} s** (matching and claiming {mid - start:.2f} s: {claimed} alerts "
                f"with news; sending {end - mid:.2f} s: {sent} mails{'; failures: ' + str(len(failed)) if failed else ''})"
            )

        print(f"# Alerts job benchmark — {machine()}")
        n_places = len(place_now_ids(s, now, app.config))
        total = s.exec(select(func.count()).select_from(Offering)).one()
        print(
            f"- dataset: {total} offerings, {n_places} places now; {args.alerts} alerts of {len(user_ids)} referrers"
        )
        timed("first run ever (records the places now, sends nothing)", now)
        # churn
        places = sorted(place_now_ids(s, now, app.config))
        k = int(total * args.churn / 2)
        lose = rng.sample(places, min(k, len(places)))
        others = s.exec(select(Offering.id).where(Offering.active, Offering.id.not_in(places))).all()
        gain = rng.sample(list(others), min(k, len(others)))
        later = now + timedelta(minutes=15)
        s.execute(update(Offering).where(Offering.id.in_(lose)).values(cur_free_places=0))
        s.execute(
            update(Offering)
            .where(Offering.id.in_(gain))
            .values(
                cur_free_places=1, cur_intake_status="open", cur_status_until=None, last_confirmed_at=later
            )
        )
        s.commit()
        timed(f"run after churn ({len(lose)} lost their place, {len(gain)} got one)", later)
        mails = s.exec(select(func.count()).select_from(AlertMail)).one()
        outbox = s.exec(select(func.count()).select_from(OutboxMail)).one()
        print(f"  - {mails} alert mails claimed, {outbox} in the outbox")
        timed("run with nothing new", later + timedelta(minutes=15))
        s.close()
        get_engine().dispose()  # no session may stay open on the copy, which is dropped next


if __name__ == "__main__":
    main()
