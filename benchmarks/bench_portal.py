"""Weekly update benchmark: the demo provider (25 offerings) on the national dataset loads its weekly
update page and submits "Alles klopt nog". Timed server-side (whole request via the test client).

    python benchmarks/bench_portal.py [--rounds 30]
"""
from __future__ import annotations

import argparse
import re
import time

from common import fmt, machine, national_app, percentiles
from sqlalchemy import event
from sqlalchemy.engine import Engine

from wijzer.services.demo import DEMO_PASSWORD


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    app = national_app()
    client = app.test_client()
    assert client.post("/inloggen", data={"email": "aanbieder@demo.wijzer.nl", "password": DEMO_PASSWORD}).status_code == 302
    statements: list[str] = []
    event.listen(Engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    get_ms, post_ms, both_ms, get_sql, post_sql = [], [], [], [], []
    for _ in range(args.rounds):
        statements.clear()
        t0 = time.perf_counter()
        page = client.get("/portaal/")
        t1 = time.perf_counter()
        get_sql.append(sum(st.lstrip().upper().startswith("SELECT") for st in statements))
        html = page.get_data(as_text=True)
        fields = dict(re.findall(r'name="(o\d+-[a-z_]+)" value="([^"]*)"', html))
        for name, value in re.findall(r'<select[^>]*name="(o\d+-intake_status)".*?<option value="([a-z_]+)" selected', html, re.S):
            fields[name] = value
        offerings = len({k.split("-")[0] for k in fields})
        statements.clear()
        t2 = time.perf_counter()
        response = client.post("/portaal/", data={"action": "confirm_all", **fields})
        t3 = time.perf_counter()
        post_sql.append((sum(st.lstrip().upper().startswith("SELECT") for st in statements), len(statements)))
        assert page.status_code == 200 and response.status_code == 302, response.get_data(as_text=True)[:500]
        get_ms.append((t1 - t0) * 1000)
        post_ms.append((t3 - t2) * 1000)
        both_ms.append((t1 - t0 + t3 - t2) * 1000)
    print(f"# Portal weekly update benchmark — {machine()}")
    print(f"- provider with {offerings} offerings on {app.config['DATABASE_URL']}")
    print(f"- GET weekly page:            {fmt(percentiles(get_ms))}")
    print(f"- POST 'Alles klopt nog':     {fmt(percentiles(post_ms))}")
    print(f"- load + submit (server):     {fmt(percentiles(both_ms))}  (target < 300 ms)")
    print(f"- SQL per request: GET max {max(get_sql)} SELECTs; POST max {max(p[0] for p in post_sql)} SELECTs "
          f"of {max(p[1] for p in post_sql)} statements (the rest are the report INSERT and offering UPDATE "
          f"per offering; reads do not grow with the number of offerings)")


if __name__ == "__main__":
    main()
