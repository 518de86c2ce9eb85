"""Weekly update benchmark: the demo provider (25 offerings) on the national dataset loads its weekly
update page and submits "Alles klopt nog". Timed server-side (whole request via the test client).

    python benchmarks/bench_portal.py [--rounds 30]
"""
from __future__ import annotations

import argparse
import re
import time

from common import fmt, machine, national_app, percentiles

from wijzer.services.demo import DEMO_PASSWORD


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    app = national_app()
    client = app.test_client()
    assert client.post("/inloggen", data={"email": "aanbieder@demo.wijzer.nl", "password": DEMO_PASSWORD}).status_code == 302
    get_ms, post_ms, both_ms = [], [], []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        page = client.get("/portaal/")
        t1 = time.perf_counter()
        html = page.get_data(as_text=True)
        fields = dict(re.findall(r'name="(o\d+-[a-z_]+)" value="([^"]*)"', html))
        for name, value in re.findall(r'<select[^>]*name="(o\d+-intake_status)".*?<option value="([a-z_]+)" selected', html, re.S):
            fields[name] = value
        offerings = len({k.split("-")[0] for k in fields})
        t2 = time.perf_counter()
        response = client.post("/portaal/", data={"action": "confirm_all", **fields})
        t3 = time.perf_counter()
        assert page.status_code == 200 and response.status_code == 302, response.get_data(as_text=True)[:500]
        get_ms.append((t1 - t0) * 1000)
        post_ms.append((t3 - t2) * 1000)
        both_ms.append((t1 - t0 + t3 - t2) * 1000)
    print(f"# Portal weekly update benchmark — {machine()}")
    print(f"- provider with {offerings} offerings on {app.config['DATABASE_URL']}")
    print(f"- GET weekly page:            {fmt(percentiles(get_ms))}")
    print(f"- POST 'Alles klopt nog':     {fmt(percentiles(post_ms))}")
    print(f"- load + submit (server):     {fmt(percentiles(both_ms))}  (target < 300 ms)")


if __name__ == "__main__":
    main()
