"""The load test of issues #7 and #17: 20 logged-in users, some writing, against gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portfolio python -m bench.load

Uses a bench database of its own (portfolio_bench_<pid>_<time> on the server of DATABASE_URL,
seeded to N initiatives here, dropped at the end unless --keep; or --db-name, one kept earlier,
extended to N if it has fewer), creates 20 load-test accounts (office, department heads and
executives), starts gunicorn on 127.0.0.1 on a free port with DEBUG off, runs locust headless
(bench/locustfile.py: the department heads also post a measurement every 10 s) for a bounded time,
samples the gunicorn workers' resident memory every few seconds, stops gunicorn, and writes
bench/results/load.json and docs/BENCHMARKS.md (not with --no-report). Everything it starts it
stops, also on error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
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
from bench.run import RESULTS, loadavg  # noqa: E402

PASSWORD = "load-test-only-0123"
ROLES = ["office", "department_head", "department_head", "executive"]
TARGET_P95_MS = 500
RSS_DRIFT = 0.10  # the workers' memory flat within ±10 % over the load test
RSS_EVERY = 5  # seconds between samples
MIX = (
    "initiative list 3 : initiative detail 3 : ranking 2 : dashboard 2 : API dashboard 1; "
    "one department head also posts a measurement every 10 s (form GET + POST)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(
    n: int, users: int, seed: int, writes: int, writers: int
) -> tuple[list, list[str], dict]:
    """Seed or extend the bench database; the accounts, the refs every account may open, and
    for the first `writers` department heads `writes` benefits each may measure, each on a date
    still free."""
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection

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
    connection.close()
    return accounts, refs, posts


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

    def __init__(self, master: int):
        super().__init__(daemon=True)
        self.master = master
        self.samples: list[dict] = []
        self.stopped = threading.Event()
        self.started_at = time.monotonic()

    def sample(self) -> None:
        workers = {pid: rss_mb(pid) for pid in children(self.master)}
        self.samples.append({
            "t": round(time.monotonic() - self.started_at, 1),
            "workers": {str(pid): round(mb, 1) for pid, mb in workers.items() if mb is not None},
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
    print(f"Load test: preparing N = {args.initiatives:,} in {db.name_of(url)}…", flush=True)
    writes = int(args.duration / args.write_every) + 5
    accounts, refs, posts = prepare(args.initiatives, args.users, args.seed, writes, args.writers)

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": "load-test-only-secret-key-not-for-production-0123456789abcdef",
        "LOAD_THINK": args.think,
        "LOAD_WRITE_EVERY": str(args.write_every),
    }
    gunicorn = locust = sampler = None
    load_before = loadavg()
    started = time.strftime("%Y-%m-%d %H:%M")
    with tempfile.TemporaryDirectory() as tmp:
        prefix = str(Path(tmp) / "load")
        # Too long for the environment: the locustfile reads them from a file.
        accounts_file = Path(tmp) / "accounts.json"
        accounts_file.write_text(json.dumps({"accounts": accounts, "refs": refs, "writes": posts}))
        env["LOAD_DATA"] = str(accounts_file)
        try:
            gunicorn = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "portfolio.wsgi",
                 "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                 "--threads", str(args.threads), "--log-level", "warning"],
                cwd=ROOT,
                env=env,
            )  # fmt: skip
            wait_until_up(host, gunicorn)
            print(f"gunicorn up on {host} ({args.workers} workers); "
                  f"{args.users} users for {args.duration} s…", flush=True)  # fmt: skip
            sampler = RssSampler(gunicorn.pid)
            sampler.start()
            locust = subprocess.Popen(
                [str(Path(sys.executable).parent / "locust"), "-f", str(ROOT / "bench" /
                 "locustfile.py"), "--headless", "--users", str(args.users), "--spawn-rate",
                 str(args.users), "--run-time", f"{args.duration}s", "--host", host,
                 "--csv", prefix, "--only-summary", "--stop-timeout", "10",
                 "--loglevel", "WARNING"],
                cwd=ROOT,
                env=env,
            )  # fmt: skip
            # Bounded: locust stops itself after --run-time; this is the safety net.
            locust.wait(timeout=args.duration + 90)
            sampler.stop()
            rows = read_stats(prefix)
        finally:
            stop(locust)
            if sampler is not None and sampler.is_alive():
                sampler.stopped.set()
            stop(gunicorn)
    load_after = loadavg()
    mix = [row for row in rows if row["name"] != "Aggregated"]
    aggregated = next(row for row in rows if row["name"] == "Aggregated")
    requests, errors = aggregated["count"], aggregated["errors"]
    p95 = aggregated["p95_ms"]
    memory = sampler.summary()
    posted = sum(row["count"] for row in rows if row["name"] == "measurement POST")
    result = {
        "started": started,
        "tool": "locust (headless)",
        "workers": args.workers,
        "threads": args.threads,
        "database": "PostgreSQL " + server_version(url),
        "n": args.initiatives,
        "users": args.users,
        "duration_s": args.duration,
        "think": f"{args.think.replace(',', '–')} s",
        "mix": MIX,
        "rows": rows,
        "requests": requests,
        "errors": errors,
        "p95_ms": p95,
        "p95_worst_page_ms": max((row["p95_ms"] for row in mix), default=0.0),
        "rps": aggregated["rps"],
        "load_before": load_before,
        "load_after": load_after,
        "measurements_posted": posted,
        "worker_rss": memory,
        "passed": requests > 0 and errors == 0 and p95 < TARGET_P95_MS and memory["flat"],
    }
    if not args.no_report:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / "load.json"
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        from bench.report import write_report

        write_report()
    for row in rows:
        print(f"  {row['name']:20} {row['count']:6} requests {row['errors']:4} errors "
              f"median {row['median_ms']:7.0f} ms p95 {row['p95_ms']:7.0f} ms")  # fmt: skip
    for pid, worker in memory["workers"].items():
        change = "gone" if worker["change"] is None else f"{worker['change']:+.1%}"
        print(f"  worker {pid}: RSS {worker['start_mb'] or 0:.0f} MB (median from "
              f"{memory['settled_at_s']:.0f} s) → {worker['end_mb'] or 0:.0f} MB (median of the "
              f"last quarter) ({change})")  # fmt: skip
    for sample in memory["samples"]:
        print(f"    RSS at {sample['t']:5.0f} s: "
              + ", ".join(f"{mb:.0f}" for mb in sample["workers"].values()) + " MB")  # fmt: skip
    print(f"  {posted} measurements posted")
    verdict = "PASS" if result["passed"] else "FAIL"
    print(f"{verdict}: {errors} errors, p95 {p95:.0f} ms over the mix "
          f"(target < {TARGET_P95_MS} ms), {result['rps']:.1f} requests/s, worker memory "
          f"{'flat' if memory['flat'] else 'NOT flat'} (±{RSS_DRIFT:.0%})")  # fmt: skip
    return 0 if result["passed"] else 1


def server_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


if __name__ == "__main__":
    sys.exit(main())
