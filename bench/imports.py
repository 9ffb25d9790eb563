"""Benchmark of reading uploads (issue 12): read_table's time and peak memory at the limits.

    .venv/bin/python -m bench.imports
    .venv/bin/python -m bench.imports --tabular /tmp/old_tabular.py   # another version, to compare

Generates the files in memory with the app's own exporter (portfolio.tabular.xlsx_response and
csv_response, so they look like what users download and send back), plus hand-made hostile
XLSX files, then for each: the median of --repeat timed runs of read_table (time.perf_counter),
and the peak of Python allocations in one more run under tracemalloc. Prints a table; asserts
nothing. Needs no database. Never run by `make test`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import io
import os
import statistics
import sys
import time
import tracemalloc
import zipfile
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOALS = 3  # the demo city's council goals: 20 + 2 x 3 columns of initiatives


def initiative_rows(count: int) -> tuple[list[str], list[dict]]:
    from initiatives.exports import COLUMNS

    columns = COLUMNS + [
        f"goal_{g}_{part}" for g in range(1, GOALS + 1) for part in ("score", "reason")
    ]
    rows = []
    for n in range(count):
        row = {
            "ref": f"SYN-{n:06d}",
            "title": f"Initiativ {n}: e-tjänst för bygglov",
            "summary": "Ansökan, handläggning och beslut digitalt; färre samtal till kundtjänst.",
            "kind": ("pilot", "rpa", "eservice", "iot")[n % 4],
            "department": ("UTB", "SOC", "TK", "SBK")[n % 4],
            "owner": f"user{n % 50}",
            "stage": ("idea", "pilot", "scaling", "operation")[n % 4],
            "outcome": "",
            "planned_start": dt.date(2025, 1 + n % 12, 1),
            "planned_end": dt.date(2027, 1 + n % 12, 28),
            "budget": Decimal(100_000 + n * 10),
            "running_cost": Decimal(20_000),
            "cost_to_date": Decimal("12500.50"),
            "must_do": n % 10 == 0,
            "hypothesis": "Kortare handläggningstid" if n % 4 == 0 else "",
            "stop_criteria": "",
            "tags": "bygglov, e-tjänst",
            "health": "green",
            "last_update_on": dt.date(2026, 3, 1),
            "archived": False,
        }
        for g in range(1, GOALS + 1):
            row[f"goal_{g}_score"] = (n + g) % 6
            row[f"goal_{g}_reason"] = "Bidrar till målet"
        rows.append(row)
    return columns, rows


def measurement_rows(count: int) -> tuple[list[str], list[dict]]:
    from benefits.exports import MEASUREMENT_COLUMNS

    start = dt.date(2020, 1, 1)
    rows = [
        {
            "initiative_ref": f"SYN-{n // 50:06d}",
            "benefit_title": "Frigjorda timmar",
            "date": start + dt.timedelta(days=n % 2000),
            "value": Decimal(n % 997) / 4,
            "note": "",
        }
        for n in range(count)
    ]
    return MEASUREMENT_COLUMNS, rows


def new_initiative_rows(count: int) -> tuple[list[str], list[dict]]:
    columns = ["ref", "title", "department"]
    return columns, [
        {"ref": "", "title": f"Ny e-tjänst {n}", "department": "UTB"} for n in range(count)
    ]


def wide_rows(count: int, width: int) -> tuple[list[str], list[dict]]:
    columns = [f"c{n}" for n in range(width)]
    return columns, [dict.fromkeys(columns, 1) for _ in range(count)]


def exported(tabular, fmt: str, name: str, columns: list[str], rows: list[dict]) -> bytes:
    if fmt == "xlsx":
        return tabular.xlsx_response(name, [(name, columns, rows)]).content
    return tabular.csv_response(name, columns, rows).content


def hostile_xlsx(rows: int, columns: int, *, declared: str | None) -> bytes:
    """A tiny workbook whose one sheet holds rows x columns cells of "1": a few KB zipped.

    `declared` is the <dimension> the sheet claims (None: no dimension, so only counting while
    reading can stop it).
    """
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    source = zipfile.ZipFile(buffer)
    row = "<row>" + "<c><v>1</v></c>" * columns + "</row>"
    dimension = f'<dimension ref="{declared}"/>' if declared else ""
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dimension}<sheetData>{row * rows}</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            target.writestr(info.filename, data)
    return out.getvalue()


class Upload(io.BytesIO):
    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name, self.size = name, len(content)


def run(tabular, name: str, content: bytes, repeat: int) -> dict:
    def once():
        upload = Upload(name, content)
        try:
            sheets = tabular.read_table(upload)
        except tabular.TableError as error:
            return f"refused: {error}"
        return f"{sum(len(sheet.rows) for sheet in sheets.values()):,} rows read"

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        outcome = once()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    once()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"outcome": outcome, "seconds": statistics.median(times), "peak_mb": peak / 1024**2}


def load_tabular(path: str | None):
    if not path:
        from portfolio import tabular

        return tabular
    spec = importlib.util.spec_from_file_location("tabular_under_test", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabular", help="read with this tabular.py instead of portfolio.tabular")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")  # no database is used
    import django

    django.setup()
    from django.utils import translation

    from portfolio import tabular as current

    translation.activate("en")

    reader = load_tabular(args.tabular)
    files = [
        ("10,000 initiatives (XLSX export)", "i.xlsx",
         exported(current, "xlsx", "initiatives", *initiative_rows(10_000))),
        ("10,000 initiatives (CSV export)", "i.csv",
         exported(current, "csv", "initiatives", *initiative_rows(10_000))),
        ("50,000 measurements (XLSX export)", "m.xlsx",
         exported(current, "xlsx", "measurements", *measurement_rows(50_000))),
        ("50,000 measurements (CSV export)", "m.csv",
         exported(current, "csv", "measurements", *measurement_rows(50_000))),
        ("50,000 new initiatives (CSV, 3 columns)", "n.csv",
         exported(current, "csv", "initiatives", *new_initiative_rows(50_000))),
        ("50,000 rows x 26 columns (CSV, 1.3 M cells)", "wide.csv",
         exported(current, "csv", "wide", *wide_rows(50_000, 26))),
        ("1,000 x 1,000 cells, dimension declared", "bomb.xlsx",
         hostile_xlsx(1000, 1000, declared="A1:ALL1000")),
        ("1,000 x 1,000 cells, no dimension", "bomb2.xlsx",
         hostile_xlsx(1000, 1000, declared=None)),
        ("1,000 x 1,000 cells, dimension says A1", "bomb3.xlsx",
         hostile_xlsx(1000, 1000, declared="A1")),
    ]  # fmt: skip
    print(f"read_table from {args.tabular or 'portfolio/tabular.py'}; median of {args.repeat}\n")
    header = f"| {'file':<40} | {'size':>8} | {'seconds':>7} | {'peak MB':>7} | outcome"
    print(header)
    print("|" + "-" * 42 + "|" + "-" * 10 + "|" + "-" * 9 + "|" + "-" * 9 + "|" + "-" * 30)
    for label, name, content in files:
        result = run(reader, name, content, args.repeat)
        size = f"{len(content) / 1024:,.0f} KB"
        print(
            f"| {label:<40} | {size:>8} | {result['seconds']:>7.2f} | "
            f"{result['peak_mb']:>7.0f} | {result['outcome'][:110]}",
            flush=True,
        )


if __name__ == "__main__":
    main()
