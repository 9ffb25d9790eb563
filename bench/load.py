"""The load test of issue #7: 20 logged-in users against gunicorn on PostgreSQL, N = 10,000.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portfolio python -m bench.load

Uses the bench database (portfolio_bench on the server of DATABASE_URL; seeded or extended to
N initiatives here if it has fewer), creates 20 load-test accounts (office, department heads and
executives), starts gunicorn on 127.0.0.1 on a free port with DEBUG off, runs locust headless
(bench/locustfile.py) for a bounded time, stops gunicorn, and writes bench/results/load.json and
docs/BENCHMARKS.md. Everything it starts it stops, also on error or Ctrl-C.
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
MIX = "initiative list 3 : initiative detail 3 : ranking 2 : dashboard 2"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(n: int, users: int, seed: int) -> tuple[list[list[str]], list[str]]:
    """Seed or extend the bench database; the accounts and the refs every account may open."""
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection

    from initiatives.models import Initiative
    from organisation.models import Department
    from portfolio.synthetic import seed_synthetic

    call_command("migrate", verbosity=0)
    counts = seed_synthetic(n, seed=seed)
    if counts["initiatives"]:
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
        user.departments.set([departments[number % len(departments)]])
        accounts.append([username, PASSWORD])
    refs = list(
        Initiative.objects.active()
        .filter(ref__startswith="SYN-")
        .order_by("ref")
        .values_list("ref", flat=True)[:n]
    )
    connection.close()
    return accounts, refs


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
    args = parser.parse_args(argv)
    if not args.database or not db.is_postgres(args.database):
        print("The load test runs on PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    url = db.configure(args.database)
    db.recreate(url, drop=False)
    print(f"Load test: preparing N = {args.initiatives:,} in {db.PG_NAME}…", flush=True)
    accounts, refs = prepare(args.initiatives, args.users, args.seed)

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
    }
    gunicorn = locust = None
    load_before = loadavg()
    started = time.strftime("%Y-%m-%d %H:%M")
    with tempfile.TemporaryDirectory() as tmp:
        prefix = str(Path(tmp) / "load")
        # Too long for the environment: the locustfile reads them from a file.
        accounts_file = Path(tmp) / "accounts.json"
        accounts_file.write_text(json.dumps({"accounts": accounts, "refs": refs}))
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
            rows = read_stats(prefix)
        finally:
            stop(locust)
            stop(gunicorn)
    load_after = loadavg()
    mix = [row for row in rows if row["name"] != "Aggregated"]
    aggregated = next(row for row in rows if row["name"] == "Aggregated")
    requests, errors = aggregated["count"], aggregated["errors"]
    p95 = aggregated["p95_ms"]
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
        "passed": requests > 0 and errors == 0 and p95 < TARGET_P95_MS,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    from bench.report import write_report

    write_report()
    for row in rows:
        print(f"  {row['name']:20} {row['count']:6} requests {row['errors']:4} errors "
              f"median {row['median_ms']:7.0f} ms p95 {row['p95_ms']:7.0f} ms")  # fmt: skip
    verdict = "PASS" if result["passed"] else "FAIL"
    print(f"{verdict}: {errors} errors, p95 {p95:.0f} ms over the mix "
          f"(target < {TARGET_P95_MS} ms), {result['rps']:.1f} requests/s")  # fmt: skip
    return 0 if result["passed"] else 1


def server_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


if __name__ == "__main__":
    sys.exit(main())
