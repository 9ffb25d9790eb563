"""Seed a bench database once, timing each phase of portfolio.synthetic.seed_synthetic.

    python -m bench.seed --database "$DATABASE_URL" --initiatives 100000   # keeps the database
    python -m bench.run --database "$DATABASE_URL" --db-name <printed name> --sizes 100000

The issue wants N = 100,000 seeded in under 5 minutes; when it is not, this says where the time
goes: drawing the rows in Python, each bulk write, the COMMIT, the figures rebuild,
and PostgreSQL's VACUUM ANALYZE after the load. The phases are timed by wrapping the functions
seed_synthetic calls (no change to the app). The database is kept (its name is printed) unless
--drop; drop it later with --drop-only NAME.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import db  # noqa: E402

PHASES: dict[str, float] = defaultdict(float)


def timed(name_for):
    """Wrap a function so its wall time adds to PHASES[name_for(*args)]."""

    def decorate(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                PHASES[name_for(*args, **kwargs)] += time.perf_counter() - started

        return wrapper

    return decorate


def instrument() -> None:
    """Time the phases of seed_synthetic from outside."""
    from django.db import connection
    from django.db.models.query import QuerySet

    from portfolio import bulk, figures, synthetic

    synthetic._initiative = timed(lambda *a, **k: "draw rows (Python)")(synthetic._initiative)
    # On PostgreSQL the writes run in the writer's thread while the main thread draws: their
    # times overlap the drawing's, and what the main thread waits for them is timed apart.
    bulk._copy = timed(lambda db, sql, rows: f"  COPY {sql.split()[1]}")(bulk._copy)
    bulk.Writer._submit = timed(lambda *a, **k: "hand-over (waiting for the writer)")(
        bulk.Writer._submit
    )
    bulk.Writer.__exit__ = timed(lambda *a, **k: "the writer's last writes")(bulk.Writer.__exit__)
    bulk.insert = timed(lambda model, *a, **k: f"insert {model.__name__}")(bulk.insert)
    bulk._add_foreign_keys = timed(lambda *a, **k: "foreign keys added back (checked)")(
        bulk._add_foreign_keys
    )
    bulk.analyze = timed(lambda *a, **k: "ANALYZE (before the rebuild)")(bulk.analyze)
    QuerySet.bulk_create = timed(lambda qs, *a, **k: f"bulk_create {qs.model.__name__}")(
        QuerySet.bulk_create
    )
    # COMMIT: little is left to check there, the loaded tables' foreign keys having been added
    # back (and checked) just before.
    connection.commit = timed(lambda *a, **k: "COMMIT")(connection.commit)
    figures.rebuild = timed(lambda *a, **k: "figures.rebuild()")(figures.rebuild)
    # Inside the rebuild (module globals it calls by name): reading and computing each
    # initiative's contribution, and adding them up into the sums.
    figures.compute = timed(lambda *a, **k: "  rebuild: compute()")(figures.compute)
    figures.totals_from = timed(lambda *a, **k: "  rebuild: totals_from()")(figures.totals_from)
    synthetic.bump_data_version = timed(lambda *a, **k: "bump_data_version")(
        synthetic.bump_data_version
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--initiatives", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--drop-only", default="", help="drop this kept bench database and stop")
    args = parser.parse_args(argv)
    if args.drop_only:
        db.drop(db.bench_url(args.database, args.drop_only))
        print(f"dropped {args.drop_only}")
        return 0
    url = db.configure(args.database)
    db.create(url)
    print(f"Seeding N = {args.initiatives:,} into {db.name_of(url)}", flush=True)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        instrument()
        from portfolio import synthetic

        started = time.perf_counter()
        counts = synthetic.seed_synthetic(args.initiatives, seed=args.seed)
        total = time.perf_counter() - started
        settle = 0.0
        if db.is_postgres(url):
            settle_started = time.perf_counter()
            db.settle(connection)
            settle = time.perf_counter() - settle_started
        print(f"  seed_synthetic: {total:.1f} s; VACUUM ANALYZE + CHECKPOINT: {settle:.1f} s")
        for name, seconds in sorted(PHASES.items(), key=lambda item: -item[1]):
            print(f"    {name:32} {seconds:7.1f} s")
        print("    (phases nest: the rebuild's writes are also in figures.rebuild(); the "
              "indented COPYs run in the writer's thread, beside the drawing)")  # fmt: skip
        print("  rows:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    finally:
        if args.drop:
            db.close_django()
            db.drop(url)
            print(f"dropped {db.name_of(url)}")
        else:
            print(f"kept: --db-name {db.name_of(url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
