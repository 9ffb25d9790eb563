"""The benchmark of issues #7 and #17: server time and query count of the main pages at N = 100,
10,000 and 100,000.

    python -m bench.run                             # SQLite: bench/<that name>.sqlite3
    python -m bench.run --database "$DATABASE_URL"  # PostgreSQL: database portfolio_bench_<pid>_<t>
    python -m bench.run --database "$DATABASE_URL" --sizes 100000 --repeat 5 --no-report
    python -m bench.run --database "$DATABASE_URL" --db-name portfolio_bench_… --sizes 100000
                                                     # on a database kept by bench/seed.py

Runs in-process with django.test.Client against its own database (created, migrated and seeded
here, a new one per run, dropped at the end unless --keep; never the dev db.sqlite3 nor the test
database). For each N it seeds the synthetic portfolio (N = 10,000 extends the 100), then for
each page: warm-up requests, one request under
CaptureQueriesContext for the query count, then --repeat timed requests (time.perf_counter
around client.get, no query capture) for the median and the 95th percentile. Beside each page, the
same for its floor (a raw SQL fetch of the rows the page needs, bench/floors.py) and for the peer
(the Django admin changelist of initiatives, on the same data in the same run).

Pages timed as the first request after a write post a measurement through the service before
each request (untimed), with the caches on, as in production. A budget selection over more than
settings.BUDGET_BACKGROUND_CANDIDATES candidates is a background computation: its stored result is
deleted before each request, so each one solves again, and with the default immediate task
backend the request runs the task: its time is the time to the background task's answer.
Writes bench/results/<database>.json, rebuilds docs/BENCHMARKS.md from all results (not with
--no-report or --only), and prints PASS or FAIL against the targets at N = 10,000 (issue #7) and
N = 100,000 (issue #17), and the same query count at the smallest and largest N. Never run by
`make test`.
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

# Median server time targets (ms) per N, from the issues (#7 at 10,000; #17 at 100,000).
TARGETS_MS = {
    10_000: {
        "list": 80,
        "detail": 60,
        "ranking": 300,
        "dashboard": 300,
        "sensitivity": 1500,
        "budget": 2000,
        "budget_unfiltered": 10_000,  # ~10,000 candidates: #17's "within 10 s"
    },
    100_000: {
        "list": 100,
        "detail": 100,
        "benefits": 300,
        "ranking": 500,
        "dashboard": 300,
        "dashboard_write": 300,
        "api_dashboard": 300,
        "api_dashboard_write": 300,
        "sensitivity": 3000,
        "budget": 10_000,  # the pilot stage: ~10,000 candidates at N = 100,000
    },
}
SENSITIVITY_MB = 500  # #17: sensitivity (1,000 draws) within 500 MB at N = 100,000
# Unfiltered budget selection is timed at N >= 10,000; above this many candidates only once
# (its warm-up alone could take minutes), and not at all with --skip-slow.
UNFILTERED_FULL_REPEAT_MAX = 20_000
# A budget selection over more candidates than settings.BUDGET_BACKGROUND_CANDIDATES is a
# background computation; every timed request of it solves again (its computation is deleted
# before), each up to the solver's time limit, so at most this many timed requests and one warm-up.
BUDGET_SOLVES_MAX = 5


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

    def page(
        self,
        url: str,
        headers: dict,
        uncached: bool = False,
        before=None,
        repeat: int | None = None,
        warmup: int = WARMUP,
        settings: dict | None = None,
    ) -> dict:
        """Time GET url. `before`, when given, runs (untimed) before every request: a write, for
        the first request after a write with the cache on, as in production. `settings` are
        overridden while it runs."""
        if settings:
            from django.test import override_settings

            with override_settings(**settings):
                return self.page(url, headers, uncached, before, repeat, warmup)
        if uncached:
            from django.test import override_settings

            # As if the cache were off: nothing cached is read.
            with override_settings(FIGURES_CACHE_SECONDS=0, **(settings or {})):
                return self.page(url, headers, before=before, repeat=repeat, warmup=warmup)
        client = self.client
        repeat = self.repeat if repeat is None else repeat

        def get():
            if before is not None:
                before()
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url, headers=headers)
            elapsed = time.perf_counter() - started, time.process_time() - cpu_started
            if response.status_code != 200:
                raise RuntimeError(f"{url}: status {response.status_code}")
            return response, elapsed

        for _ in range(warmup):
            get()
        if before is not None:
            before()
        with self.capture(self.connection) as queries:
            response = client.get(url, headers=headers)
        # Read now: the next request's request_started signal empties the connection's log.
        query_count = len(queries)
        times, cpu = [], []
        for _ in range(repeat):
            response, (wall, used) = get()
            times.append(wall)
            cpu.append(used)
        return {
            **summary(times, cpu),
            "queries": query_count,
            "bytes": len(response.content),
        }

    def memory(self, url: str, headers: dict, settings: dict | None = None) -> dict:
        """Peak memory of one request: Python's allocations (tracemalloc, numpy's included) and
        the process's resident set growth (ru_maxrss; 0 when an earlier request went higher).
        Computed, not read from the cache: as the first request after a write."""
        import gc
        import resource
        import tracemalloc

        from django.test import override_settings

        gc.collect()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        try:
            with override_settings(FIGURES_CACHE_SECONDS=0, **(settings or {})):
                response = self.client.get(url, headers=headers)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if response.status_code != 200:
            raise RuntimeError(f"{url}: status {response.status_code}")
        return {
            "traced_peak_mb": round(peak / 1024 / 1024, 1),
            "maxrss_growth_mb": round((rss_after - rss_before) / 1024, 1),
            "maxrss_mb": round(rss_after / 1024, 1),
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


class MeasurementWriter:
    """A department head's measurement, posted through the service before each timed request.

    Each call records today's value on the next benefit that has none today (an open synthetic
    initiative, baseline in the past), so every call is a real insert that changes the data
    version and the dashboard's sums, as a measurement posted in the app does.
    """

    def __init__(self, user, count: int = 400):
        from django.utils import timezone

        from benefits.models import Benefit
        from initiatives.models import Initiative

        self.today = timezone.localdate()
        self.user = user
        open_ids = Initiative.objects.active().filter(ref__startswith="SYN-").values("pk")
        self.benefits = iter(
            Benefit.objects.filter(initiative__in=open_ids, baseline_date__lt=self.today)
            .exclude(measurements__date=self.today)
            .select_related("initiative")
            .order_by("pk")[:count]
        )
        self.written = 0

    def __call__(self) -> None:
        from decimal import Decimal

        from benefits.services import measurement_create

        benefit = next(self.benefits)
        value = (benefit.latest_value or benefit.baseline_value or Decimal(0)) + 1
        measurement_create(benefit=benefit, date=self.today, value=value, by=self.user)
        self.written += 1


def forget_budget_computations() -> int:
    """Delete the stored budget selections (Computation kind "budget"): the next request for one
    solves again instead of reading the stored result. How many went."""
    from portfolio.models import Computation

    return Computation.objects.filter(kind="budget").delete()[0]


def budget_spec(key: str, label: str, url: str, floor: list[str], count: int) -> dict:
    """A budget selection row. Over settings.BUDGET_BACKGROUND_CANDIDATES candidates the page
    asks a background task (a Computation) for it: its stored result is deleted before each
    request, so each one times the solve. With the default immediate task backend the request
    runs the task, so the time is the time to the background task's answer."""
    from django.conf import settings

    background = count > getattr(settings, "BUDGET_BACKGROUND_CANDIDATES", 2_000)
    spec = {"key": key, "url": url, "floor": floor, "candidates": count, "background": background}
    if not background:
        return {**spec, "name": f"{label} ({count:,} candidates)"}
    return {
        **spec,
        "name": f"{label}, time to the background task's answer ({count:,} candidates)",
        "before": forget_budget_computations,
        "repeat": BUDGET_SOLVES_MAX,
        "warmup": 1,
    }


def pages(n: int, write=None, skip_slow: bool = False) -> list[dict]:
    """The pages of the issues, with their floors. Built per N (the budget depends on the data).

    `write` is the MeasurementWriter for the pages timed as the first request after a write."""
    from django.db.models import Sum

    from bench import floors
    from initiatives.models import Initiative
    from portfolio.models import CouncilGoal

    goals = list(CouncilGoal.objects.active())
    weights = "&".join(f"w_{goal.pk}={2 if i == 0 else 1}" for i, goal in enumerate(goals))
    candidates = Initiative.objects.open().filter(stage=BUDGET_STAGE)
    total = candidates.aggregate(total=Sum("budget"))["total"] or 0
    budget = int(total * BUDGET_SHARE)
    everyone = Initiative.objects.open()
    everyone_count = everyone.count()
    budget_all = int((everyone.aggregate(total=Sum("budget"))["total"] or 0) * BUDGET_SHARE)
    from portfolio.views import ranking as ranking_views

    most = getattr(ranking_views, "SENSITIVITY_MAX_CANDIDATES", None)
    sensitivity_count, sensitivity_filter = everyone_count, ""
    if most is not None and everyone_count > most:
        sensitivity_count, sensitivity_filter = candidates.count(), f"&stage={BUDGET_STAGE}"
    htmx = {"HX-Request": "true"}
    specs = [
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
            "name": "Ranking page, cache off (as after a write)",
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
            # Computed in the request (no background task, whatever its size): the work itself.
            # Over SENSITIVITY_MAX_CANDIDATES open initiatives the page refuses the unfiltered
            # run; then the pilot stage is timed (~10,000 candidates at N = 100,000).
            "key": "sensitivity",
            "name": f"Sensitivity (1,000 draws, {sensitivity_count:,} candidates)",
            "url": f"/portfolio/ranking/sensitivity/?draws=1000{sensitivity_filter}",
            "floor": floors.ranking(),
            "settings": {"SENSITIVITY_BACKGROUND_SIZE": 10**15},
        },
        {
            "key": "sensitivity_page",
            "name": "Sensitivity page as served (background over its size)",
            "url": f"/portfolio/ranking/sensitivity/?draws=1000{sensitivity_filter}",
            "floor": floors.ranking(),
        },
        budget_spec(
            "budget",
            "Budget selection",
            f"/portfolio/ranking/?stage={BUDGET_STAGE}&budget={budget}",
            floors.ranking(f" AND i.stage = '{BUDGET_STAGE}'"),
            candidates.count(),
        ),
        {
            "key": "dashboard",
            "name": "Dashboard",
            "url": "/portfolio/dashboard/",
            "floor": floors.dashboard(),
        },
        {
            "key": "dashboard_uncached",
            "name": "Dashboard, cache off",
            "url": "/portfolio/dashboard/",
            "floor": floors.dashboard(),
            "uncached": True,
        },
        {
            "key": "dashboard_write",
            "name": "Dashboard, first request after a write",
            "url": "/portfolio/dashboard/",
            "floor": floors.dashboard(),
            "before": write,
        },
        {
            "key": "api",
            "name": "API list (/api/v1/initiatives)",
            "url": "/api/v1/initiatives",
            "floor": floors.api_list(),
        },
        {
            "key": "api_dashboard",
            "name": "API dashboard (/api/v1/dashboard)",
            "url": "/api/v1/dashboard",
            "floor": floors.dashboard(),
        },
        {
            "key": "api_dashboard_write",
            "name": "API dashboard, first request after a write",
            "url": "/api/v1/dashboard",
            "floor": floors.dashboard(),
            "before": write,
        },
    ]
    if n >= 10_000 and not skip_slow:
        spec = budget_spec(
            "budget_unfiltered",
            "Budget selection, unfiltered",
            f"/portfolio/ranking/?budget={budget_all}",
            floors.ranking(),
            everyone_count,
        )
        if everyone_count > UNFILTERED_FULL_REPEAT_MAX:
            # One request, no warm-up: it may take as long as the solver is given.
            spec.update(repeat=1, warmup=0)
        specs.append(spec)
    return specs


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


def seed(n: int, seed: int) -> dict:
    """Seed the synthetic portfolio up to N; nothing when a kept database (--db-name) has it
    already: seed_synthetic would rebuild the dashboard's sums even then (minutes at 100,000)."""
    from initiatives.models import Initiative
    from portfolio.synthetic import REF_PREFIX, seed_synthetic

    if Initiative.objects.filter(ref__startswith=REF_PREFIX).count() >= n:
        return {"initiatives": 0, "benefits": 0, "measurements": 0, "progress_updates": 0,
                "alignments": 0, "lessons": 0}  # fmt: skip
    return seed_synthetic(n, seed=seed)


def run(args) -> dict:
    """Create (or reuse, --db-name) the bench database, bench every N, drop it unless --keep."""
    url = db.configure(args.database, args.db_name or None)
    if not args.db_name:
        db.create(url)
    try:
        return run_on(url, args)
    finally:
        if not (args.keep or args.db_name):
            db.close_django()
            db.drop(url)
            print(f"Dropped {db.name_of(url)}", flush=True)
        else:
            print(f"Kept {db.name_of(url)} (--db-name {db.name_of(url)})", flush=True)


def run_on(url: str, args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

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
        counts = seed(n, args.seed)
        seconds = time.perf_counter() - started
        if vendor == "postgresql" and counts["initiatives"]:
            db.settle(connection)
        print(f"  N = {n:,}: seeded {counts['initiatives']:,} initiatives, "
              f"{counts['benefits']:,} benefits, {counts['measurements']:,} measurements in "
              f"{seconds:.1f} s", flush=True)  # fmt: skip
        bench = Bench(args.repeat)
        bench.client.force_login(client_user)
        write = MeasurementWriter(client_user)
        size = {"seed_seconds": round(seconds, 1), "seeded": counts, "pages": []}
        peer = bench.page("/admin/initiatives/initiative/", {})
        size["peer"] = peer
        print(f"    {'Admin changelist (peer)':40} {peer['median_ms']:9.1f} ms "
              f"p95 {peer['p95_ms']:9.1f} ms {peer['queries']:3} queries", flush=True)  # fmt: skip
        for spec in pages(n, write=write, skip_slow=args.skip_slow):
            if args.only and spec["key"] not in args.only:
                continue
            if spec["key"].startswith("api") and not has_api:
                continue
            measured = bench.page(
                spec["url"],
                spec.get("headers", {}),
                spec.get("uncached", False),
                before=spec.get("before"),
                # A row's own repeat (one solve a request) never above --repeat.
                repeat=min(spec["repeat"], args.repeat) if spec.get("repeat") else None,
                warmup=spec.get("warmup", WARMUP),
                settings=spec.get("settings"),
            )
            if spec["key"] == "sensitivity":
                measured["memory"] = bench.memory(
                    spec["url"], spec.get("headers", {}), spec.get("settings")
                )
            floor = bench.floor(spec["floor"])
            row = {
                "key": spec["key"],
                "name": spec["name"],
                "url": spec["url"],
                **measured,
                "floor": floor,
                "candidates": spec.get("candidates"),
                "background": spec.get("background", False),
            }
            size["pages"].append(row)
            memory = measured.get("memory")
            extra = (f" peak {memory['traced_peak_mb']:.0f} MB traced, "
                     f"+{memory['maxrss_growth_mb']:.0f} MB RSS") if memory else ""  # fmt: skip
            print(f"    {spec['name']:40} {measured['median_ms']:9.1f} ms "
                  f"p95 {measured['p95_ms']:9.1f} ms cpu {measured['cpu_median_ms']:8.1f} ms "
                  f"{measured['queries']:3} queries "
                  f"(floor {floor['median_ms']:.1f} ms){extra}", flush=True)  # fmt: skip
        size["measurements_written"] = write.written
        result["sizes"][str(n)] = size
    result["load_after"] = loadavg()
    result["verdict"] = verdict(result)
    return result


def verdict(result: dict) -> list[dict]:
    """PASS/FAIL: the same query count at the smallest and largest N; the time targets at each N
    that has them (10,000: issue #7; 100,000: issue #17)."""
    sizes = sorted(result["sizes"], key=int)
    small, large = result["sizes"][sizes[0]], result["sizes"][sizes[-1]]
    checks = []
    by_key_small = {row["key"]: row for row in small["pages"]}
    for row in large["pages"]:
        before = by_key_small.get(row["key"])
        # A budget selection computed in the request at small N and by the background task at
        # large N takes other queries (the computation's row, the task): not the same page work.
        if before is not None and before.get("background", False) != row.get("background", False):
            continue
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
    for size in sizes:
        targets = TARGETS_MS.get(int(size))
        if targets is None and size == sizes[-1]:
            targets = TARGETS_MS[10_000]  # a quick run at another N: judged as at 10,000
        if targets is None:
            continue
        at = f"N = {int(size):,}"
        by_key = {row["key"]: row for row in result["sizes"][size]["pages"]}
        for key, limit in targets.items():
            row = by_key.get(key)
            if row is None:
                continue
            checks.append({
                "target": f"{at}, {row['name']}: median ≤ {limit:,} ms",
                "measured": f"{row['median_ms']:,.1f} ms",
                "passed": row["median_ms"] <= limit,
            })  # fmt: skip
            if key == "sensitivity" and row.get("memory") and int(size) >= 100_000:
                memory = row["memory"]
                checks.append({
                    "target": f"{at}, {row['name']}: ≤ {SENSITIVITY_MB} MB",
                    "measured": f"{memory['traced_peak_mb']:,.0f} MB traced peak, "
                                f"+{memory['maxrss_growth_mb']:,.0f} MB RSS",
                    "passed": memory["traced_peak_mb"] <= SENSITIVITY_MB,
                })  # fmt: skip
        if "list" in by_key:
            row, peer = by_key["list"], result["sizes"][size]["peer"]
            checks.append({
                "target": f"{at}, Initiative list no slower than the admin changelist (median)",
                "measured": f"{row['median_ms']:,.1f} ms vs {peer['median_ms']:,.1f} ms",
                "passed": row["median_ms"] <= peer["median_ms"],
            })  # fmt: skip
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default=None,
        help="a PostgreSQL URL: bench on a new database portfolio_bench_<pid>_<time> on that "
        "server (default: SQLite, bench/portfolio_bench_<pid>_<time>.sqlite3)",
    )
    parser.add_argument(
        "--sizes", default="100,10000", help="N values, e.g. 100,10000,100000 (default 100,10000)"
    )
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page (≥ 20)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default="", help="comma-separated page keys (for a quick look)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database at the end")
    parser.add_argument(
        "--db-name",
        default="",
        help="bench on this database kept by an earlier run or bench/seed.py (never dropped)",
    )
    parser.add_argument(
        "--skip-slow", action="store_true", help="leave out unfiltered budget selection"
    )
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
