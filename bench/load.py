"""The load test of issues #7 and #17: 20 logged-in users, some writing, against gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portfolio python -m bench.load

Uses a bench database of its own (portfolio_bench_<pid>_<time> on the server of DATABASE_URL,
seeded to N initiatives here, dropped at the end unless --keep; or --db-name, one kept earlier,
extended to N if it has fewer), creates 20 load-test accounts (office, department heads and
executives), starts gunicorn on 127.0.0.1 on a free port with DEBUG off and, beside it with the
same environment, the background task worker (`manage.py db_worker`, TASKS_BACKEND=database), as
in production; the cache is Redis (REDIS_URL, database 14 of the local server, entries under a key
prefix of this run, deleted at the end) unless --no-redis. Then it runs locust headless
(bench/locustfile.py: the department heads also post a measurement every 10 s; one office user
asks every ~20 s for the best set within a budget over every open initiative, a background
computation, and reports the time to its answer) for a bounded time, samples the gunicorn workers'
resident memory every few seconds and around every request (gunicorn's pre/post_request hooks, to
tell which requests raise it), stops gunicorn and the worker, and writes bench/results/load.json
and docs/BENCHMARKS.md (not with --no-report). Everything it starts it stops, also on error or
Ctrl-C.

The p95 and the error count are the pages' (every request but the budget's polls and its time to
the answer, which are reported on their own).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import db  # noqa: E402
from bench.run import BUDGET_SHARE, RESULTS, forget_budget_computations, loadavg  # noqa: E402

PASSWORD = "load-test-only-0123"
ROLES = ["office", "department_head", "department_head", "executive"]
TARGET_P95_MS = 500
RSS_DRIFT = 0.10  # the workers' memory flat within ±10 % over the load test
RSS_EVERY = 5  # seconds between samples
MIX = (
    "initiative list 3 : initiative detail 3 : ranking 2 : dashboard 2 : API dashboard 1; "
    "one department head also posts a measurement every 10 s (form GET + POST); one office user "
    "asks every {budget_every:.0f} s for the best set within a budget over every open initiative "
    "(a background computation; polled every 0.5 s until answered)"
)
REDIS_URL = "redis://127.0.0.1:6379/14"
# The budget user's requests that are not pages: its polls, and the time from asking to the
# answer shown (a locust request of its own). Both are left out of the pages' p95 and errors.
ANSWERED = "budget selection, answered"
POLL = "budget poll"
NOT_PAGES = (ANSWERED, POLL)
BUDGET_ANSWER_MS = 10_000  # #17: budget selection over ~10,000 candidates answered within 10 s
_TAG = re.compile(r"<[a-zA-Z]+\b[^>]*>")
_HX_GET = re.compile(r'hx-get="([^"]+)"')


def budget_state(page: str) -> tuple[str, str | None]:
    """Where a ranking page, or the fragment its computation's URL answers, is with the best set
    within the budget: ("answered", None) when it shows the set; ("pending", the URL the page
    polls) while the background task waits or runs; ("done", the URL that loads the page's results
    once) when it is done; ("failed", None) when it failed or was lost; ("none", None) when there
    is no budget selection at all. URLs as the browser sends them (&amp; unescaped)."""
    import html

    if 'data-testid="selection-status"' in page:
        return "answered", None
    for tag in _TAG.findall(page):
        for testid, state in (
            ("computation-pending", "pending"),
            ("computation-done", "done"),
            ("computation-failed", "failed"),
        ):
            if f'data-testid="{testid}"' in tag:
                found = _HX_GET.search(tag)
                return state, html.unescape(found.group(1)) if found else None
    return "none", None


def pages_summary(lines: list[str]) -> dict:
    """The pages' requests, errors and p95 (nearest rank, ms) from the locustfile's log of every
    request ("name\ttime ms\tfailed"), leaving out the budget's polls and time to the answer."""
    from bench.run import percentile

    times, errors = [], 0
    for line in lines:
        name, ms, failed = line.rstrip("\n").split("\t")
        if name in NOT_PAGES:
            continue
        times.append(float(ms))
        errors += int(failed)
    return {
        "requests": len(times),
        "errors": errors,
        "p95_ms": round(percentile(times, 0.95), 1) if times else 0.0,
    }


# gunicorn's server hooks (a config file written for the run): each request's method, path,
# time and the worker's resident memory before and after it (KB), one line per request in a file
# per worker. Reading /proc/self/statm costs microseconds.
GUNICORN_HOOKS = """
import os, time

LOG_DIR = {log_dir!r}
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _rss_kb():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE_KB


def pre_request(worker, req):
    req.bench_started = (time.monotonic(), _rss_kb())


def post_request(worker, req, environ, resp):
    started, before = getattr(req, "bench_started", (time.monotonic(), 0))
    line = "\\t".join([
        req.method, req.path, req.query or "", str(before), str(_rss_kb()),
        str(round((time.monotonic() - started) * 1000)), "%.1f" % time.time(),
    ])
    with open(os.path.join(LOG_DIR, "requests-%d.tsv" % os.getpid()), "a") as handle:
        handle.write(line + "\\n")
"""


def request_kind(method: str, path: str, query: str) -> str:
    """The kind of a request, for the memory per kind: the load test's names."""
    if path.startswith("/portfolio/ranking/computations/"):
        return POLL
    if path == "/portfolio/ranking/":
        return "ranking, budget" if "budget=" in query else "ranking"
    if path == "/portfolio/dashboard/":
        return "dashboard"
    if path == "/api/v1/dashboard":
        return "API dashboard"
    if path.startswith("/benefits/") and path.endswith("/measurements/"):
        return f"measurement {'form' if method == 'GET' else method}"
    if path == "/initiatives/":
        return "initiative list"
    if path.startswith("/initiatives/"):
        return "initiative detail"
    return path


def memory_by_request(lines_by_worker: dict[str, list[str]], settled: float = 0) -> dict:
    """Per kind of request, over every worker: how many, the mean and largest change of the
    worker's resident memory across one request, and how much of the workers' growth came in
    requests of that kind (each rise of a worker's highest RSS so far, summed: what a worker
    keeps after a peak shows up here, a transient array it gives back does not), in all and
    after `settled` (a time.time(): from when the load test measures the drift)."""
    kinds: dict[str, dict] = {}
    growth = {}
    for pid, lines in lines_by_worker.items():
        highest = None
        first = last = None
        for line in lines:
            method, path, query, before, after, ms, at = line.rstrip("\n").split("\t")
            before, after = int(before) / 1024, int(after) / 1024
            first = before if first is None else first
            last = after
            kind = kinds.setdefault(
                request_kind(method, path, query),
                {
                    "count": 0,
                    "change_mb": 0.0,
                    "largest_mb": 0.0,
                    "raised_mb": 0.0,
                    "raised_late_mb": 0.0,
                    "ms": 0,
                },  # fmt: skip
            )
            kind["count"] += 1
            kind["change_mb"] += after - before
            kind["largest_mb"] = max(kind["largest_mb"], after - before)
            kind["ms"] += int(ms)
            if highest is None:
                highest = before
            if after > highest:
                kind["raised_mb"] += after - highest
                if float(at) >= settled:
                    kind["raised_late_mb"] += after - highest
                highest = after
        if first is not None:
            growth[pid] = {"first_mb": round(first, 1), "last_mb": round(last, 1)}
    return {
        "kinds": {
            name: {
                "count": kind["count"],
                "mean_change_mb": round(kind["change_mb"] / kind["count"], 2),
                "largest_change_mb": round(kind["largest_mb"], 1),
                "raised_mb": round(kind["raised_mb"], 1),
                "raised_after_settled_mb": round(kind["raised_late_mb"], 1),
                "mean_ms": round(kind["ms"] / kind["count"]),
            }
            for name, kind in sorted(kinds.items(), key=lambda item: -item[1]["raised_mb"])
        },
        "workers": growth,
        "settled": settled,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(
    n: int, users: int, seed: int, writes: int, writers: int
) -> tuple[list, list[str], dict, dict]:
    """Seed or extend the bench database; the accounts, the refs every account may open, for
    the first `writers` department heads `writes` benefits each may measure, each on a date
    still free, and the budget user's account (the first office one) and budget (BUDGET_SHARE
    of what the open initiatives cost: as bench/run.py's unfiltered budget selection)."""
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Sum

    from initiatives.models import Initiative
    from organisation.models import Department
    from portfolio.synthetic import seed_synthetic

    call_command("migrate", verbosity=0)
    if Initiative.objects.filter(ref__startswith="SYN-").count() < n:
        # Not when a kept database has them: seed_synthetic would rebuild the sums anyway.
        if seed_synthetic(n, seed=seed)["initiatives"]:
            db.settle(connection)
    departments = list(Department.objects.order_by("code"))
    accounts = []
    for number in range(1, users + 1):
        username = f"load.{number:02d}"
        user, _created = User.objects.get_or_create(username=username)
        user.set_password(PASSWORD)
        user.save()
        role = ROLES[number % len(ROLES)]
        user.groups.set([Group.objects.get(name=role)])
        # From the department's side: user.departments.set() (the reverse side) fails in
        # simple_history's m2m history of Department.members (TypeError on HistoricalUser).
        Department.members.through.objects.filter(user=user).delete()
        departments[number % len(departments)].members.add(user)
        accounts.append([username, PASSWORD])
    refs = list(
        Initiative.objects.active()
        .filter(ref__startswith="SYN-")
        .order_by("ref")
        .values_list("ref", flat=True)[:n]
    )
    heads = [
        username
        for username, _password in accounts
        if User.objects.get(username=username).groups.filter(name="department_head").exists()
    ]
    posts = {
        username: measurable(User.objects.get(username=username), writes)
        for username in heads[:writers]
    }
    office = next(
        [username, password]
        for username, password in accounts
        if User.objects.get(username=username).groups.filter(name="office").exists()
    )
    total = Initiative.objects.open().aggregate(total=Sum("budget"))["total"] or 0
    # None stored from an earlier run on a kept database: each ask is solved, not read back.
    forget_budget_computations()
    budget = {"account": office, "amount": int(total * BUDGET_SHARE)}
    connection.close()
    return accounts, refs, posts, budget


def measurable(user, count: int) -> list[list]:
    """Benefits of open initiatives in the user's departments with no measurement today: each
    POST records today's value on the next one, so no two posts collide."""
    from django.utils import timezone

    from benefits.models import Benefit
    from initiatives.models import Initiative
    from organisation import permissions

    today = timezone.localdate()
    open_ids = Initiative.objects.active().filter(department__in=user.departments.all())
    candidates = (
        Benefit.objects.filter(initiative__in=open_ids.values("pk"), baseline_date__lt=today)
        .exclude(measurements__date=today)
        .select_related("initiative")
        .order_by("pk")[: count * 2]
    )
    chosen = [b for b in candidates if permissions.can_record_measurement(user, b)][:count]
    return [[benefit.pk, today.isoformat()] for benefit in chosen]


def children(pid: int) -> list[int]:
    """The gunicorn workers: the master's child processes."""
    try:
        import psutil

        return [child.pid for child in psutil.Process(pid).children()]
    except ImportError:
        pass
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def rss_mb(pid: int) -> float | None:
    """Resident memory of one process (psutil when installed, else /proc/<pid>/status)."""
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss / 1024 / 1024
    except ImportError:
        pass
    except Exception:  # noqa: BLE001 — the process is gone
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class RssSampler(threading.Thread):
    """Every few seconds, the resident memory of each gunicorn worker (MB), until stopped."""

    def __init__(self, master: int, others: dict[str, int] | None = None):
        super().__init__(daemon=True)
        self.master = master
        self.others = others or {}  # other processes sampled beside (the task worker), by name
        self.samples: list[dict] = []
        self.stopped = threading.Event()
        self.started_at = time.monotonic()
        self.started_wall = time.time()

    def sample(self) -> None:
        workers = {pid: rss_mb(pid) for pid in children(self.master)}
        others = {name: rss_mb(pid) for name, pid in self.others.items()}
        self.samples.append({
            "t": round(time.monotonic() - self.started_at, 1),
            "workers": {str(pid): round(mb, 1) for pid, mb in workers.items() if mb is not None},
            "others": {name: round(mb, 1) for name, mb in others.items() if mb is not None},
        })  # fmt: skip

    def run(self) -> None:
        self.sample()
        while not self.stopped.wait(RSS_EVERY):
            self.sample()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=RSS_EVERY + 5)
        self.sample()

    def summary(self) -> dict:
        """Per worker: RSS settled (the median of the second quarter's samples: imports done,
        caches filled) and at the end (the median of the last quarter's); a single sample swings
        by a large request's arrays, so medians. Flat: every worker within ±RSS_DRIFT."""
        import statistics

        span = self.samples[-1]["t"] or 1
        early = [s for s in self.samples if span / 4 <= s["t"] < span / 2] or self.samples[:1]
        late = [s for s in self.samples if s["t"] >= span * 3 / 4] or self.samples[-1:]

        def median_of(samples: list[dict], pid: str) -> float | None:
            values = [s["workers"][pid] for s in samples if pid in s["workers"]]
            return round(statistics.median(values), 1) if values else None

        workers = {}
        for pid in self.samples[-1]["workers"] | early[0]["workers"]:
            start, end = median_of(early, pid), median_of(late, pid)
            workers[pid] = {
                "start_mb": start,
                "end_mb": end,
                "change": None if start is None or end is None else round((end - start) / start, 3),
            }
        changes = [abs(w["change"]) for w in workers.values() if w["change"] is not None]
        return {
            "at_launch_mb": self.samples[0]["workers"],
            "settled_at_s": early[0]["t"],
            "workers": workers,
            "worst_change": max(changes, default=None),
            "flat": bool(changes) and max(changes) <= RSS_DRIFT,
            "samples": self.samples,
        }


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer /healthz in time")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def read_stats(prefix: str) -> list[dict]:
    rows = []
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "name": row["Name"],
                    "count": int(row["Request Count"]),
                    "errors": int(row["Failure Count"]),
                    "median_ms": float(row["50%"] if row["50%"] != "N/A" else 0),
                    "p95_ms": float(row["95%"] if row["95%"] != "N/A" else 0),
                    "max_ms": float(row["Max Response Time"]),
                    "rps": float(row["Requests/s"]),
                }
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--initiatives", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--think", default="0.5,2", help="think time range in seconds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--write-every", type=float, default=10, help="seconds between one writer's posts"
    )
    parser.add_argument(
        "--writers", type=int, default=1, help="department heads posting (issue #17: one)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench database at the end")
    parser.add_argument("--db-name", default="", help="a bench database kept earlier (kept)")
    parser.add_argument(
        "--budget-every",
        type=float,
        default=20,
        help="seconds between the budget user's asks (0: no budget user)",
    )
    parser.add_argument(
        "--no-redis",
        action="store_true",
        help=f"each worker its own memory cache instead of Redis ({REDIS_URL})",
    )
    parser.add_argument("--no-report", action="store_true", help="do not write results or docs")
    args = parser.parse_args(argv)
    if not args.database or not db.is_postgres(args.database):
        print("The load test runs on PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    url = db.configure(args.database, args.db_name or None)
    if not args.db_name:
        db.create(url)
    try:
        return load_test(url, args)
    finally:
        if args.keep or args.db_name:
            print(f"Kept {db.name_of(url)}", flush=True)
        else:
            db.close_django()
            db.drop(url)
            print(f"Dropped {db.name_of(url)}", flush=True)


def load_test(url: str, args) -> int:
    print(f"Load test: at least N = {args.initiatives:,} in {db.name_of(url)}…", flush=True)
    writes = int(args.duration / args.write_every) + 5
    accounts, refs, posts, budget = prepare(
        args.initiatives, args.users, args.seed, writes, args.writers
    )
    from initiatives.models import Initiative

    print(f"  {Initiative.objects.count():,} initiatives there", flush=True)

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    redis_url = "" if args.no_redis or not redis_answers(REDIS_URL) else REDIS_URL
    # This run's cache entries apart from any other's on the same Redis, deleted at the end.
    key_prefix = f"{db.name_of(url)}_{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": "load-test-only-secret-key-not-for-production-0123456789abcdef",
        "TASKS_BACKEND": "database",
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": key_prefix,
        "LOAD_THINK": args.think,
        "LOAD_WRITE_EVERY": str(args.write_every),
        "LOAD_BUDGET_EVERY": str(args.budget_every),
        # The locustfile imports bench.load (budget_state).
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    gunicorn = worker = locust = sampler = None
    load_before = loadavg()
    started = time.strftime("%Y-%m-%d %H:%M")
    asked_since = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        prefix = str(Path(tmp) / "load")
        # Too long for the environment: the locustfile reads them from a file.
        accounts_file = Path(tmp) / "accounts.json"
        accounts_file.write_text(json.dumps(
            {"accounts": accounts, "refs": refs, "writes": posts, "budget": budget}
        ))  # fmt: skip
        env["LOAD_DATA"] = str(accounts_file)
        env["LOAD_REQUESTS"] = str(Path(tmp) / "requests.tsv")
        hooks = Path(tmp) / "gunicorn_hooks.py"
        hooks.write_text(GUNICORN_HOOKS.format(log_dir=tmp))
        users = ["PortfolioUser", "BudgetUser"] if args.budget_every else ["PortfolioUser"]
        try:
            gunicorn = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "portfolio.wsgi",
                 "--config", str(hooks), "--bind", f"127.0.0.1:{port}",
                 "--workers", str(args.workers), "--threads", str(args.threads),
                 "--log-level", "warning"],
                cwd=ROOT,
                env=env,
            )  # fmt: skip
            worker_log = open(Path(tmp) / "db_worker.log", "w")  # noqa: SIM115 — closed below
            worker = subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"],
                cwd=ROOT,
                env=env,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            )
            wait_until_up(host, gunicorn)
            if worker.poll() is not None:
                raise RuntimeError(f"db_worker exited with {worker.returncode}")
            print(f"gunicorn up on {host} ({args.workers} workers), db_worker beside it, cache "
                  f"{redis_url or 'per process'}; {args.users} users for {args.duration} s…",
                  flush=True)  # fmt: skip
            sampler = RssSampler(gunicorn.pid, {"db_worker": worker.pid})
            sampler.start()
            locust = subprocess.Popen(
                [str(Path(sys.executable).parent / "locust"), "-f", str(ROOT / "bench" /
                 "locustfile.py"), "--headless", "--users", str(args.users), "--spawn-rate",
                 str(args.users), "--run-time", f"{args.duration}s", "--host", host,
                 "--csv", prefix, "--only-summary", "--stop-timeout", "10",
                 "--loglevel", "WARNING", *users],
                cwd=ROOT,
                env=env,
            )  # fmt: skip
            # Bounded: locust stops itself after --run-time; this is the safety net.
            locust.wait(timeout=args.duration + 90)
            sampler.stop()
            rows = read_stats(prefix)
            requests_log = Path(env["LOAD_REQUESTS"]).read_text().splitlines()
            per_worker = {
                path.stem.removeprefix("requests-"): path.read_text().splitlines()
                for path in Path(tmp).glob("requests-*.tsv")
            }
        finally:
            stop(locust)
            if sampler is not None and sampler.is_alive():
                sampler.stopped.set()
            stop(gunicorn)
            stop(worker)
            if worker is not None:
                worker_log.close()
            if redis_url:
                forget_cache(redis_url, key_prefix)
    load_after = loadavg()
    mix = [row for row in rows if row["name"] not in ("Aggregated", *NOT_PAGES)]
    aggregated = next(row for row in rows if row["name"] == "Aggregated")
    pages = pages_summary(requests_log)
    requests, errors, p95 = pages["requests"], pages["errors"], pages["p95_ms"]
    answered = next((row for row in rows if row["name"] == ANSWERED), None)
    polls = next((row for row in rows if row["name"] == POLL), None)
    computations = budget_computations(asked_since)
    memory = sampler.summary()
    by_request = memory_by_request(per_worker, sampler.started_wall + memory["settled_at_s"])
    posted = sum(row["count"] for row in rows if row["name"] == "measurement POST")
    budget_ok = not args.budget_every or (
        answered is not None
        and answered["count"] > 0
        and answered["errors"] == 0
        and answered["max_ms"] <= BUDGET_ANSWER_MS
    )
    result = {
        "started": started,
        "tool": "locust (headless)",
        "workers": args.workers,
        "threads": args.threads,
        "database": "PostgreSQL " + server_version(url),
        "cache": f"Redis ({redis_url})" if redis_url else "per process (LocMemCache)",
        "tasks": "database backend, one db_worker beside gunicorn",
        "n": args.initiatives,
        "users": args.users,
        "duration_s": args.duration,
        "think": f"{args.think.replace(',', '–')} s",
        "mix": MIX.format(budget_every=args.budget_every),
        "rows": rows,
        "requests": requests,
        "errors": errors,
        "p95_ms": p95,
        "p95_worst_page_ms": max((row["p95_ms"] for row in mix), default=0.0),
        "rps": aggregated["rps"],
        "all_requests": aggregated["count"],
        "budget": {
            "amount": budget["amount"],
            "answered": answered,
            "polls": polls,
            "computations": computations,
            "target_ms": BUDGET_ANSWER_MS,
            "passed": budget_ok,
        },
        "load_before": load_before,
        "load_after": load_after,
        "measurements_posted": posted,
        "worker_rss": memory,
        "memory_by_request": by_request,
        "passed": requests > 0
        and errors == 0
        and p95 < TARGET_P95_MS
        and memory["flat"]
        and budget_ok,
    }
    if not args.no_report:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / "load.json"
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        from bench.report import write_report

        write_report()
    print_result(result)
    return 0 if result["passed"] else 1


def print_result(result: dict) -> None:
    for row in result["rows"]:
        print(f"  {row['name']:26} {row['count']:6} requests {row['errors']:4} errors "
              f"median {row['median_ms']:7.0f} ms p95 {row['p95_ms']:7.0f} ms "
              f"max {row['max_ms']:7.0f} ms")  # fmt: skip
    budget = result["budget"]
    for computation in budget["computations"]:
        print(f"  budget computation {computation['budget']:,} SEK: {computation['status']}, "
              f"asked → answered {computation['seconds']} s, solver "
              f"{computation['solver']}")  # fmt: skip
    memory = result["worker_rss"]
    for pid, worker in memory["workers"].items():
        change = "gone" if worker["change"] is None else f"{worker['change']:+.1%}"
        print(f"  worker {pid}: RSS {worker['start_mb'] or 0:.0f} MB (median from "
              f"{memory['settled_at_s']:.0f} s) → {worker['end_mb'] or 0:.0f} MB (median of the "
              f"last quarter) ({change})")  # fmt: skip
    for sample in memory["samples"]:
        workers = ", ".join(f"{mb:.0f}" for mb in sample["workers"].values())
        others = "".join(f"; {name} {mb:.0f}" for name, mb in sample.get("others", {}).items())
        print(f"    RSS at {sample['t']:5.0f} s: {workers} MB{others}")
    print("  Worker memory by request (raised: the workers' highest RSS rose in these, MB; "
          "late: from the settled time on):")  # fmt: skip
    for name, kind in result["memory_by_request"]["kinds"].items():
        print(f"    {name:26} {kind['count']:5} requests, mean {kind['mean_change_mb']:+6.2f} MB, "
              f"largest {kind['largest_change_mb']:+6.1f} MB, raised {kind['raised_mb']:6.1f} MB"
              f" (late {kind['raised_after_settled_mb']:5.1f}), mean {kind['mean_ms']} ms "
              "server time")  # fmt: skip
    print(f"  {result['measurements_posted']} measurements posted; cache {result['cache']}; "
          f"load average {result['load_before']} before, {result['load_after']} after")  # fmt: skip
    answered = budget["answered"]
    if answered:
        print(f"  Budget selection over every open initiative, time to the answer: "
              f"{answered['count']} asked, {answered['errors']} not answered, median "
              f"{answered['median_ms']:.0f} ms, max {answered['max_ms']:.0f} ms (target ≤ "
              f"{budget['target_ms']:,} ms): {'PASS' if budget['passed'] else 'FAIL'}")  # fmt: skip
    verdict = "PASS" if result["passed"] else "FAIL"
    print(f"{verdict}: {result['errors']} errors, p95 {result['p95_ms']:.0f} ms over the "
          f"{result['requests']:,} page requests (target < {TARGET_P95_MS} ms), "
          f"{result['rps']:.1f} requests/s, worker memory "
          f"{'flat' if memory['flat'] else 'NOT flat'} (±{RSS_DRIFT:.0%})")  # fmt: skip


def budget_computations(since: float) -> list[dict]:
    """The budget selections computed in the run, from their Computation rows: the time from
    asked to answered as the server saw it (the task's queueing included), and what the solver
    answered (the optimum, or the best set found with its proven gap)."""
    import datetime as dt

    from django.db import connection

    from portfolio.models import Computation

    asked = Computation.objects.filter(
        kind="budget", created_at__gte=dt.datetime.fromtimestamp(since, tz=dt.UTC)
    ).order_by("created_at")
    found = []
    for computation in asked:
        optimal = (computation.result or {}).get("optimal") or {}
        seconds = None
        if computation.finished_at:
            seconds = round((computation.finished_at - computation.created_at).total_seconds(), 1)
        found.append({
            "budget": computation.params.get("budget"),
            "status": computation.status,
            "seconds": seconds,
            "solver": {key: optimal.get(key) for key in ("status", "gap_percent", "seconds")},
        })  # fmt: skip
    connection.close()
    return found


def redis_answers(redis_url: str) -> bool:
    """Whether the Redis of the load test answers; if not, the run goes on with the per-process
    cache (as --no-redis) and says so."""
    try:
        import redis

        return bool(redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping())
    except Exception as error:  # noqa: BLE001 — any failure: no Redis
        print(f"  Redis does not answer at {redis_url} ({error}): the per-process cache instead",
              flush=True)  # fmt: skip
        return False


def forget_cache(redis_url: str, key_prefix: str) -> None:
    """Delete this run's cache entries from Redis (the keys under its prefix)."""
    try:
        import redis

        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    except Exception as error:  # noqa: BLE001 — the entries expire anyway
        print(f"  (the run's cache entries were not deleted: {error})", flush=True)


def server_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


if __name__ == "__main__":
    sys.exit(main())
