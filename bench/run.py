"""The benchmark of issue #7: server time and query count of the main pages at N = 100 and 10,000.

    python -m bench.run                       # SQLite: bench/bench.sqlite3
    python -m bench.run --database "$DATABASE_URL"   # PostgreSQL: database portfolio_bench

Runs in-process with django.test.Client against its own database (created, migrated and seeded
here; never the dev db.sqlite3 nor the test database). For each N it seeds the synthetic portfolio
(N = 10,000 extends the 100), then for each page: warm-up requests, one request under
CaptureQueriesContext for the query count, then --repeat timed requests (time.perf_counter
around client.get, no query capture) for the median and the 95th percentile. Beside each page, the
same for its floor (a raw SQL fetch of the rows the page needs, bench/floors.py) and for the peer
(the Django admin changelist of initiatives, on the same data in the same run).

Writes bench/results/<database>.json, rebuilds docs/BENCHMARKS.md from all results, and prints
PASS or FAIL against the targets at the largest N. Never run by `make test`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import db  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WARMUP = 2
DETAIL_REF = "SYN-000042"  # the same initiative, with the same children, at every N
FILTER = {"stage": "pilot", "kind": "rpa"}
BUDGET_STAGE = "pilot"  # about 1,000 open candidates at N = 10,000
BUDGET_SHARE = 0.3  # the budget is 30 % of what the candidates cost together

# Median server time targets at N = 10,000 (ms), from the issue.
TARGETS_MS = {
    "list": 80,
    "detail": 60,
    "ranking": 300,
    "dashboard": 300,
    "sensitivity": 1500,
    "budget": 2000,
}


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(times: list[float], cpu: list[float]) -> dict:
    return {
        "median_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(percentile(times, 0.95) * 1000, 2),
        # CPU time of this process: on a shared machine it does not grow with the others' load
        # (on SQLite it includes the database's work; on PostgreSQL the server's is not in it).
        "cpu_median_ms": round(statistics.median(cpu) * 1000, 2),
        "samples": len(times),
    }


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
    }


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


class Bench:
    def __init__(self, repeat: int):
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        self.connection = connection
        self.capture = CaptureQueriesContext
        self.client = Client()
        self.repeat = repeat

    def page(self, url: str, headers: dict, uncached: bool = False) -> dict:
        if uncached:
            from django.test import override_settings

            # As right after a write: the data version changed, so nothing cached is read.
            with override_settings(FIGURES_CACHE_SECONDS=0):
                return self.page(url, headers)
        client = self.client
        for _ in range(WARMUP):
            response = client.get(url, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: status {response.status_code}")
        with self.capture(self.connection) as queries:
            response = client.get(url, headers=headers)
        # Read now: the next request's request_started signal empties the connection's log.
        query_count = len(queries)
        times, cpu = [], []
        for _ in range(self.repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url, headers=headers)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: status {response.status_code}")
        return {
            **summary(times, cpu),
            "queries": query_count,
            "bytes": len(response.content),
        }

    def floor(self, statements: list[str]) -> dict:
        def fetch():
            with self.connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()

        for _ in range(WARMUP):
            fetch()
        times, cpu = [], []
        for _ in range(self.repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            fetch()
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        return {**summary(times, cpu), "queries": len(statements)}


def bench_user():
    from django.contrib.auth.models import User

    user, created = User.objects.get_or_create(
        username="bench.office", defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


def pages(n: int) -> list[dict]:
    """The pages of the issue, with their floors. Built per N (the budget depends on the data)."""
    from django.db.models import Sum

    from bench import floors
    from initiatives.models import Initiative
    from portfolio.models import CouncilGoal

    goals = list(CouncilGoal.objects.active())
    weights = "&".join(f"w_{goal.pk}={2 if i == 0 else 1}" for i, goal in enumerate(goals))
    candidates = Initiative.objects.open().filter(stage=BUDGET_STAGE)
    total = candidates.aggregate(total=Sum("budget"))["total"] or 0
    budget = int(total * BUDGET_SHARE)
    htmx = {"HX-Request": "true"}
    return [
        {
            "key": "list",
            "name": "Initiative list",
            "url": "/initiatives/",
            "floor": floors.initiative_list(),
        },
        {
            "key": "filtered",
            "name": "Filtered list (htmx)",
            "url": f"/initiatives/?stage={FILTER['stage']}&kind={FILTER['kind']}",
            "headers": {**htmx, "HX-Target": "initiative-table"},
            "floor": floors.filtered_list(FILTER["stage"], FILTER["kind"]),
        },
        {
            "key": "detail",
            "name": f"Initiative detail ({DETAIL_REF})",
            "url": f"/initiatives/{DETAIL_REF}/",
            "floor": floors.detail(DETAIL_REF),
        },
        {
            "key": "benefits",
            "name": "Benefits register",
            "url": "/benefits/",
            "floor": floors.benefits_register(),
        },
        {
            "key": "ranking",
            "name": "Ranking page",
            "url": "/portfolio/ranking/",
            "floor": floors.ranking(),
        },
        {
            "key": "ranking_uncached",
            "name": "Ranking page, after a write (uncached)",
            "url": "/portfolio/ranking/",
            "floor": floors.ranking(),
            "uncached": True,
        },
        {
            "key": "rerank",
            "name": "Live re-rank (htmx)",
            "url": f"/portfolio/ranking/?{weights}",
            "headers": {**htmx, "HX-Target": "ranking-results"},
            "floor": floors.ranking(),
        },
        {
            "key": "sensitivity",
            "name": "Sensitivity (1,000 draws)",
            "url": "/portfolio/ranking/sensitivity/?draws=1000",
            "floor": floors.ranking(),
        },
        {
            "key": "budget",
            "name": f"Budget selection ({candidates.count():,} candidates)",
            "url": f"/portfolio/ranking/?stage={BUDGET_STAGE}&budget={budget}",
            "floor": floors.ranking(f" AND i.stage = '{BUDGET_STAGE}'"),
            "candidates": candidates.count(),
        },
        {
            "key": "dashboard",
            "name": "Dashboard",
            "url": "/portfolio/dashboard/",
            "floor": floors.dashboard(),
        },
        {
            "key": "dashboard_uncached",
            "name": "Dashboard, after a write (uncached)",
            "url": "/portfolio/dashboard/",
            "floor": floors.dashboard(),
            "uncached": True,
        },
        {
            "key": "api",
            "name": "API list (/api/v1/initiatives)",
            "url": "/api/v1/initiatives",
            "floor": floors.api_list(),
        },
    ]


def api_exists() -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve("/api/v1/initiatives")
    except Resolver404:
        return False
    return True


def server_version(url: str) -> str:
    from django.db import connection

    if db.is_postgres(url):
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return "PostgreSQL " + cursor.fetchone()[0]
    import sqlite3

    return "SQLite " + sqlite3.sqlite_version


def run(args) -> dict:
    url = db.configure(args.database)
    db.recreate(url, drop=not args.keep)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from portfolio.synthetic import seed_synthetic

    vendor = "postgresql" if db.is_postgres(url) else "sqlite"
    print(f"Benchmark on {vendor}: {url.rsplit('@', 1)[-1]}", flush=True)
    call_command("migrate", verbosity=0)
    result = {
        "database": vendor,
        "server": server_version(url),
        "machine": machine(),
        "load_before": loadavg(),
        "started": time.strftime("%Y-%m-%d %H:%M"),
        "repeat": args.repeat,
        "sizes": {},
    }
    has_api = api_exists()
    if not has_api:
        result["note"] = "The API (/api/v1/initiatives) did not exist at this run; skipped."
    client_user = bench_user()
    for n in args.sizes:
        started = time.perf_counter()
        counts = seed_synthetic(n, seed=args.seed)
        seconds = time.perf_counter() - started
        if vendor == "postgresql":
            db.settle(connection)
        print(f"  N = {n:,}: seeded {counts['initiatives']:,} initiatives, "
              f"{counts['benefits']:,} benefits, {counts['measurements']:,} measurements in "
              f"{seconds:.1f} s", flush=True)  # fmt: skip
        bench = Bench(args.repeat)
        bench.client.force_login(client_user)
        size = {"seed_seconds": round(seconds, 1), "seeded": counts, "pages": []}
        peer = bench.page("/admin/initiatives/initiative/", {})
        size["peer"] = peer
        print(f"    {'Admin changelist (peer)':40} {peer['median_ms']:9.1f} ms "
              f"p95 {peer['p95_ms']:9.1f} ms {peer['queries']:3} queries", flush=True)  # fmt: skip
        for spec in pages(n):
            if args.only and spec["key"] not in args.only:
                continue
            if spec["key"] == "api" and not has_api:
                continue
            measured = bench.page(spec["url"], spec.get("headers", {}), spec.get("uncached", False))
            floor = bench.floor(spec["floor"])
            row = {
                "key": spec["key"],
                "name": spec["name"],
                "url": spec["url"],
                **measured,
                "floor": floor,
                "candidates": spec.get("candidates"),
            }
            size["pages"].append(row)
            print(f"    {spec['name']:40} {measured['median_ms']:9.1f} ms "
                  f"p95 {measured['p95_ms']:9.1f} ms cpu {measured['cpu_median_ms']:8.1f} ms "
                  f"{measured['queries']:3} queries "
                  f"(floor {floor['median_ms']:.1f} ms)", flush=True)  # fmt: skip
        result["sizes"][str(n)] = size
    result["load_after"] = loadavg()
    result["verdict"] = verdict(result)
    return result


def verdict(result: dict) -> list[dict]:
    """PASS/FAIL per target, at the largest N."""
    sizes = sorted(result["sizes"], key=int)
    small, large = result["sizes"][sizes[0]], result["sizes"][sizes[-1]]
    checks = []
    by_key_small = {row["key"]: row for row in small["pages"]}
    for row in large["pages"]:
        before = by_key_small.get(row["key"])
        if before is not None and len(sizes) > 1:
            checks.append({
                "target": f"{row['name']}: same query count at N = {int(sizes[0]):,} and "
                          f"{int(sizes[-1]):,}",
                "measured": f"{before['queries']} / {row['queries']}",
                "passed": before["queries"] == row["queries"],
            })  # fmt: skip
    peer_small, peer_large = small["peer"], large["peer"]
    if len(sizes) > 1:
        checks.append({
            "target": "Admin changelist (peer): same query count",
            "measured": f"{peer_small['queries']} / {peer_large['queries']}",
            "passed": peer_small["queries"] == peer_large["queries"],
        })  # fmt: skip
    by_key = {row["key"]: row for row in large["pages"]}
    for key, limit in TARGETS_MS.items():
        row = by_key.get(key)
        if row is None:
            continue
        checks.append({
            "target": f"{row['name']}: median ≤ {limit:,} ms",
            "measured": f"{row['median_ms']:,.1f} ms",
            "passed": row["median_ms"] <= limit,
        })  # fmt: skip
    if "list" in by_key:
        row = by_key["list"]
        checks.append({
            "target": "Initiative list no slower than the admin changelist (median)",
            "measured": f"{row['median_ms']:,.1f} ms vs {peer_large['median_ms']:,.1f} ms",
            "passed": row["median_ms"] <= peer_large["median_ms"],
        })  # fmt: skip
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default=None,
        help="a PostgreSQL URL: bench on database portfolio_bench on that server "
        "(default: SQLite, bench/bench.sqlite3)",
    )
    parser.add_argument("--sizes", default="100,10000", help="N values (default 100,10000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page (≥ 20)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default="", help="comma-separated page keys (for a quick look)")
    parser.add_argument("--keep", action="store_true", help="reuse the bench database as it is")
    parser.add_argument("--no-report", action="store_true", help="do not write results or docs")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.only = {s.strip() for s in args.only.split(",") if s.strip()}
    result = run(args)
    print()
    failed = 0
    for check in result["verdict"]:
        mark = "PASS" if check["passed"] else "FAIL"
        failed += not check["passed"]
        print(f"  {mark}  {check['target']}: {check['measured']}")
    print()
    print(f"{'FAIL' if failed else 'PASS'} ({result['database']}, N = {max(args.sizes):,}: "
          f"{failed} of {len(result['verdict'])} targets missed)")  # fmt: skip
    if not args.no_report and not args.only:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{result['database']}.json"
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        from bench.report import write_report

        print(f"Results: {path.relative_to(ROOT)}; report: {write_report().relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
