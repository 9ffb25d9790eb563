"""Benchmark of a reminder run (issue 15): how long the hourly run takes at N initiatives.

    .venv/bin/python -m bench.reminders                       # SQLite, N = 10,000
    DATABASE_URL=postgres://… .venv/bin/python -m bench.reminders --initiatives 10000

Seeds the synthetic portfolio (manage.py seed_synthetic) into a database of the run's own, then
times a first run (collect every reminder and summary, claim one e-mail per person, render and
"send" them through Django's in-memory mail backend) and a second run the same hour (which must
find nothing new). Prints wall time, queries and counts; asserts nothing; never run by make test.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_NAME = "portfolio_reminder_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--initiatives", type=int, default=10_000)
    args = parser.parse_args()
    from bench.import_apply import configure

    url, drop = configure(PG_NAME)
    import django

    django.setup()
    try:
        run(url, args.initiatives)
    finally:
        drop()


def run(url: str, initiatives: int) -> None:
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from notifications import rules, sending
    from notifications.models import Notification
    from portfolio.synthetic import seed_synthetic

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed_synthetic(initiatives, seed=7)
    print(f"{url.split(':')[0]}: seeded {initiatives:,} initiatives in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox = []
        for label in ("first run", "second run, same hour"):
            phases = {}
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                created = rules.collect()
                phases["collect"] = time.perf_counter() - started
                claimed = sending.claim()
                phases["claim"] = time.perf_counter() - started - phases["collect"]
                sent = sum(sending.send(pk) for pk in claimed)
                seconds = time.perf_counter() - started
            phases["send"] = seconds - phases["collect"] - phases["claim"]
            print(
                f"  {label}: {seconds:.2f} s ("
                + ", ".join(f"{name} {value:.2f} s" for name, value in phases.items())
                + f"), {len(queries)} queries; {created:,} new notifications, "
                f"{len(claimed)} e-mails prepared, {sent} sent"
            )
        print(f"  notifications stored: {Notification.objects.count():,}; "
              f"e-mails in the outbox: {len(mail.outbox)}")  # fmt: skip


if __name__ == "__main__":
    main()
