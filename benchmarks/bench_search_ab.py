"""Paired A/B of the search: another revision's ``wijzer/services/search.py`` against the working tree's, in one
process, request by request.

On this shared 2-core virtual machine the same code measures 5.7 ms at p50 one minute and 10 ms a few minutes
later (CPU steal and clock changes), so two separate runs of ``bench_search.py`` cannot tell a 10 % change from
noise. Here each query runs through the whole API request (Flask test client, as ``bench_search.py``) once with
each version, in alternating order, so drift falls on both alike; the median of the per-query ratios is the
verdict.

    python benchmarks/bench_search_ab.py --base HEAD [--queries 300]
    WIJZER_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:54329/wijzer_bench python benchmarks/bench_search_ab.py

Only the search service is swapped (the API view's ``search_offerings``); the rest of the app is the working
tree's, so the base revision's search must take the same arguments. Whether answers are the same is not checked
here: use ``bench_search.py --dump`` on both versions and ``cmp``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import types
from urllib.parse import urlencode

from bench_search import make_queries
from common import ROOT, fmt, loadavg, machine, national_app, percentiles
from sqlalchemy.util import LRUCache


def load_revision(rev: str) -> types.ModuleType:
    """``wijzer/services/search.py`` as it is in git revision ``rev``, imported as a module of its own."""
    path = "wijzer/services/search.py"
    source = subprocess.run(
        ["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType("wijzer.services.search_base")
    sys.modules[module.__name__] = module  # dataclasses look their module up while the class is made
    exec(compile(source, f"{rev}:{path}", "exec"), module.__dict__)  # noqa: S102 - the project's own code at rev
    return module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="HEAD", help="git revision to compare the working tree with")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    import wijzer.api.routes as routes
    import wijzer.services.search as work

    versions = {"base": load_revision(args.base).search_offerings, "work": work.search_offerings}
    app = national_app()
    client = app.test_client()
    queries = make_queries(args.queries)

    # Each version with a compiled-statement cache of its own, as it has in a process of its own. Both versions'
    # statements have the same cache keys: in one shared cache the version that compiled a statement second ran
    # it through SQLAlchemy's slower path for another statement object's parameters, ~4 % of a search (an A/A
    # run, the same code in two module copies, measured 1.04 against whichever ran second; with its own cache 1.00).
    db = app.extensions["wijzer_db"]
    engines = [db["engine"]] + ([db["read_factory"].kw["bind"]] if db["read_factory"] is not None else [])
    caches = {version: LRUCache(500) for version in versions}

    def request(version: str, q: dict) -> tuple[float, float]:
        routes.search_offerings = versions[version]
        for engine in engines:
            engine._compiled_cache = caches[version]
        cpu, start = time.process_time(), time.perf_counter()
        response = client.get("/api/v1/search?" + urlencode(q))
        wall = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, response.get_data(as_text=True)
        return wall, (time.process_time() - cpu) * 1000

    print(f"- load average before: {loadavg()}")
    for q in queries[:50]:  # warm up both (statement caches, PostgreSQL's prepared statements)
        request("base", q)
        request("work", q)
    wall: dict[str, list[float]] = {"base": [], "work": []}
    cpu: dict[str, list[float]] = {"base": [], "work": []}
    for i, q in enumerate(queries):
        for version in ("base", "work") if i % 2 else ("work", "base"):
            w, c = request(version, q)
            wall[version].append(w)
            cpu[version].append(c)
    routes.search_offerings = work.search_offerings
    for engine in engines:
        engine._compiled_cache = caches["work"]
    print(f"# Search A/B — {machine()}; base {args.base} against the working tree, {len(queries)} queries")
    for version in ("base", "work"):
        print(
            f"- {version}: {fmt(percentiles(wall[version]))}; CPU p50 {statistics.median(cpu[version]):.2f} ms"
        )
    ratios = [w / b for w, b in zip(wall["work"], wall["base"], strict=True)]
    print(f"- median of the per-query ratios work/base: {statistics.median(ratios):.3f}")
    print(f"- load average after: {loadavg()}")


if __name__ == "__main__":
    main()
