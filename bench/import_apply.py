"""Benchmark of the import's three requests at the documented limits (issue 12).

    .venv/bin/python -m bench.import_apply                # SQLite, a throwaway file
    .venv/bin/python -m bench.import_apply --only measurements
    DATABASE_URL=postgres://… .venv/bin/python -m bench.import_apply   # a database of its own

Each file is generated with the app's own exporter (so it looks like what users download and send
back), then sent as the office through the real views with Django's test client: upload (read,
check every cell, store the rows), preview (compare the stored rows with the database) and apply
(write). Prints the wall time of each request and the number of queries; a gunicorn worker is
killed after 30 s, so each request must stay well below that. Asserts nothing; never run by
`make test`. The database is created for the run and dropped after it (PostgreSQL:
`portfolio_import_bench` on the server of DATABASE_URL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOALS = 15  # 20 + 2 x 15 columns: with the header, 9,999 initiatives make the 500,000 cells allowed
INITIATIVES = 9_999
DEPARTMENTS = ["UTB", "SOC", "TK", "SBK"]
PG_NAME = "portfolio_import_bench"


def initiative_rows(count: int, goal_ids: list[int], *, prefix="BEN", version=0) -> list[dict]:
    rows = []
    for n in range(count):
        row = {
            "ref": f"{prefix}-{n:06d}",
            "title": f"Initiativ {n}: e-tjänst för bygglov",
            "summary": "Ansökan, handläggning och beslut digitalt; färre samtal till kundtjänst.",
            "kind": ("pilot", "rpa", "eservice", "iot")[n % 4],
            "department": DEPARTMENTS[n % 4],
            "owner": f"user{n % 50}",
            "stage": ("idea", "pilot", "scaling", "operation")[(n + version) % 4],
            "outcome": "",
            "planned_start": dt.date(2025, 1 + n % 12, 1),
            "planned_end": dt.date(2027, 1 + n % 12, 28),
            "budget": 100_000 + n * 10 + version,
            "running_cost": 20_000,
            # The XLSX export formats every column ending in "_date" as a date, cost_to_date too
            # (reported): a number there comes back as a date and the import refuses it.
            "cost_to_date": None,
            "must_do": n % 10 == 0,
            "hypothesis": "Kortare handläggningstid" if n % 4 == 0 else "",
            "stop_criteria": "",
            "tags": "bygglov, e-tjänst",
            "health": "",
            "last_update_on": None,
            "archived": False,
        }
        for goal_id in goal_ids:
            row[f"goal_{goal_id}_score"] = (n + goal_id + version) % 6
            row[f"goal_{goal_id}_reason"] = "Bidrar till målet"
        rows.append(row)
    return rows


def benefit_rows(count: int, refs: list[str]) -> list[dict]:
    return [
        {
            "initiative_ref": refs[n % len(refs)],
            "title": f"Nytta {n}",
            "description": "Frigjord tid i handläggningen",
            "owner": f"user{n % 50}",
            "category": ("financial", "redistribution", "quality", "environment")[n % 4],
            "is_disbenefit": n % 20 == 0,
            "unit": "h/år",
            "direction": "higher",
            "measurement_method": "Tidrapport",
            "frequency": "quarterly",
            "baseline_value": Decimal(n % 100),
            "baseline_date": dt.date(2020, 1, 1),
            "target_value": Decimal(n % 100 + 500),
            "target_date": dt.date(2027, 12, 31),
            "sek_per_unit": Decimal("450") if n % 2 else None,
            "valued_at_hourly_rate": False,
            "confidence": "medium",
        }
        for n in range(count)
    ]


def measurement_rows(count: int, benefits: list[tuple[str, str]]) -> list[dict]:
    start = dt.date(2021, 1, 1)
    per_benefit = -(-count // len(benefits))
    return [
        {
            "initiative_ref": benefits[n // per_benefit][0],
            "benefit_title": benefits[n // per_benefit][1],
            "date": start + dt.timedelta(days=n % per_benefit),
            "value": Decimal(n % 997) / 4,
            "note": "",
        }
        for n in range(count)
    ]


def configure(pg_name: str = PG_NAME) -> tuple[str, callable]:
    """Point Django at a database of the run's own; returns its URL and a function dropping it."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        import psycopg

        server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        bench_url = urlunsplit(urlsplit(url)._replace(path=f"/{pg_name}"))

        def drop():
            from django.db import connections

            connections.close_all()
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')

    else:
        folder = tempfile.mkdtemp(prefix="import-bench-")
        bench_url = f"sqlite:///{folder}/bench.sqlite3"

        def drop():
            import shutil

            shutil.rmtree(folder, ignore_errors=True)

    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    return bench_url, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["initiatives", "benefits", "measurements"])
    args = parser.parse_args()
    url, drop = configure()
    import django

    django.setup()
    try:
        run(url, args.only)
    finally:
        drop()


def run(url: str, only: str | None) -> None:
    from django.contrib.auth.models import Group, User
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from benefits.exports import COLUMNS as BENEFIT_COLUMNS
    from benefits.exports import MEASUREMENT_COLUMNS
    from initiatives.exports import COLUMNS as INITIATIVE_COLUMNS
    from organisation.models import Department
    from portfolio import tabular
    from portfolio.importing import import_plan
    from portfolio.models import CouncilGoal, ImportBatch

    call_command("migrate", verbosity=0)
    for code in DEPARTMENTS:
        Department.objects.get_or_create(code=code, defaults={"name": f"Förvaltning {code}"})
    for n in range(50):
        User.objects.get_or_create(username=f"user{n}")
    office, _created = User.objects.get_or_create(username="bench-office")
    office.groups.add(Group.objects.get_or_create(name="office")[0])
    goal_ids = [CouncilGoal.objects.create(title=f"Mål {n}", order=n).pk for n in range(GOALS)]
    goal_columns = [f"goal_{g}_{part}" for g in goal_ids for part in ("score", "reason")]
    client = Client()
    client.force_login(office)

    def timed(label: str, method, path: str, data=None) -> object:
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = method(path, data) if data is not None else method(path)
            seconds = time.perf_counter() - started
        status = response.status_code
        print(f"|   {label:<8} | {seconds:>7.2f} | {len(queries):>7} | {status}", flush=True)
        return response

    def import_file(label: str, kind: str, name: str, content: bytes) -> None:
        print(f"| {label} ({len(content) / 1024:,.0f} KB) |  |  |", flush=True)
        upload = SimpleUploadedFile(name, content)
        response = timed("upload", client.post, reverse("portfolio:import"),
                         {"kind": kind, "file": upload})  # fmt: skip
        if response.status_code != 302:
            print(response.content[:2000].decode(errors="replace"))
            return
        batch = ImportBatch.objects.latest("pk")
        timed("preview", client.get, reverse("portfolio:import_preview", args=[batch.pk]))
        plan = import_plan(batch)  # what the preview showed, untimed
        if not plan.ok:
            print("|   errors:", (plan.file_errors + plan.errors)[:5])
            return
        print(f"|   (plan: {len(plan.creates)} new, {len(plan.updates)} changed, "
              f"{plan.measurements} measurements, {plan.unchanged} unchanged; "
              f"estimate {plan.seconds} s) |  |  |")  # fmt: skip
        timed("apply", client.post, reverse("portfolio:import_apply", args=[batch.pk]), {})
        batch.refresh_from_db()
        print(f"|   (result: {batch.result}) |  |  |", flush=True)

    def export(fmt: str, name: str, columns, rows) -> bytes:
        if fmt == "xlsx":
            return tabular.xlsx_response(name, [(name, columns, rows)]).content
        return tabular.csv_response(name, columns, rows).content

    print(f"Import requests on {connection.vendor} ({url.split('@')[-1]})\n")
    print("| request | seconds | queries | status |")
    print("| --- | ---: | ---: | --- |")
    columns = INITIATIVE_COLUMNS + goal_columns
    if only in (None, "initiatives"):
        rows = initiative_rows(INITIATIVES, goal_ids)
        import_file("9,999 new initiatives, 15 goals, CSV", "initiatives", "i.csv",
                    export("csv", "initiatives", columns, rows))  # fmt: skip
        rows = initiative_rows(INITIATIVES, goal_ids, version=1)
        import_file("the same 9,999 changed (stage, budget, scores), XLSX", "initiatives",
                    "i.xlsx", export("xlsx", "initiatives", columns, rows))  # fmt: skip
        import_file("the same file again (nothing to change), XLSX", "initiatives", "i.xlsx",
                    export("xlsx", "initiatives", columns, rows))  # fmt: skip
    if only in (None, "benefits", "measurements"):
        refs = [f"BEN-{n:06d}" for n in range(1_000)]
        if only is not None:
            import_file("1,000 initiatives (setup)", "initiatives", "setup.csv",
                        export("csv", "initiatives", INITIATIVE_COLUMNS,
                               initiative_rows(1_000, [])))  # fmt: skip
        benefits = benefit_rows(20_000, refs)
        if only in (None, "benefits"):
            import_file("20,000 new benefits, CSV", "benefits", "b.csv",
                        export("csv", "benefits", BENEFIT_COLUMNS, benefits))  # fmt: skip
        else:
            import_file("1,000 benefits (setup)", "benefits", "b.csv",
                        export("csv", "benefits", BENEFIT_COLUMNS, benefits[:1_000]))  # fmt: skip
        keys = [(row["initiative_ref"], row["title"]) for row in benefits[:1_000]]
        if only in (None, "measurements"):
            rows = measurement_rows(50_000, keys)
            import_file("50,000 new measurements of 1,000 benefits, CSV", "benefits", "m.csv",
                        export("csv", "measurements", MEASUREMENT_COLUMNS, rows))  # fmt: skip
            for row in rows:
                row["value"] += 1
            import_file("the same 50,000 changed, XLSX", "benefits", "m.xlsx",
                        export("xlsx", "measurements", MEASUREMENT_COLUMNS, rows))  # fmt: skip


if __name__ == "__main__":
    main()
