"""How the cost-line fixtures in this folder were made (run again to remake them).

    apt-get install -y libreoffice-calc        # LibreOffice on Debian 12 here
    .venv/bin/python tests/transfer/files/make_cost_line_fixtures.py

1. The app's own exporter (portfolio.tabular) writes an initiative export with its second sheet,
   "cost lines": cost-lines-export.xlsx, and the cost lines alone as CSV: cost-lines-export.csv.
   They hold what real files trip over: two payers of one year, another organisation named in
   text, Swedish letters, text that looks like a formula, an empty actual amount, a money cell
   in the initiatives sheet that disagrees with the lines.
2. LibreOffice Calc, headless, opens and saves them, as a user who opens the download and saves
   it again would: cost-lines-libreoffice.xlsx and cost-lines-libreoffice.csv (UTF-8, comma).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from tests.transfer.files.make_fixtures import soffice  # noqa: E402 (LibreOffice, headless)

INITIATIVE_COLUMNS = [
    "ref", "title", "department", "kind", "stage", "planned_start", "budget", "running_cost",
    "cost_to_date",
]  # fmt: skip
INITIATIVES = [
    {"ref": "LO-001", "title": "Skolmjölksroboten", "department": "UTB", "kind": "rpa",
     "stage": "pilot", "planned_start": dt.date(2026, 1, 1), "budget": 400_000,
     "running_cost": 25_000, "cost_to_date": 150_000},
    # The budget disagrees with the lines (600,000): the lines win.
    {"ref": "LO-002", "title": "Smarta trafikljus", "department": "TK", "kind": "iot",
     "stage": "idea", "planned_start": dt.date(2027, 3, 1), "budget": 999_999,
     "running_cost": None, "cost_to_date": None},
]  # fmt: skip
LINES = [
    {"initiative_ref": "LO-001", "year": 2026, "kind": "investment", "planned": 400_000,
     "actual": 150_000, "payer_department": "UTB", "payer_other": "", "note": "Licens; åäö"},
    {"initiative_ref": "LO-001", "year": 2027, "kind": "running", "planned": 20_000,
     "actual": None, "payer_department": "UTB", "payer_other": "", "note": ""},
    {"initiative_ref": "LO-001", "year": 2027, "kind": "running", "planned": 5_000,
     "actual": None, "payer_department": "", "payer_other": "Region Stockholm",
     "note": '=HYPERLINK("http://x","y")'},
    {"initiative_ref": "LO-002", "year": 2027, "kind": "investment", "planned": 600_000,
     "actual": None, "payer_department": "TK", "payer_other": "", "note": "-fas 1"},
    {"initiative_ref": "LO-002", "year": 2028, "kind": "investment", "planned": 0,
     "actual": 12_500, "payer_department": "", "payer_other": "+Kommunförbundet", "note": ""},
]  # fmt: skip


def main() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")  # no database is used
    django.setup()
    from initiatives.exports import COST_LINE_COLUMNS, COST_LINE_SHEET
    from portfolio import tabular

    sheets = [
        ("initiatives", INITIATIVE_COLUMNS, INITIATIVES),
        (COST_LINE_SHEET, COST_LINE_COLUMNS, LINES),
    ]
    (HERE / "cost-lines-export.xlsx").write_bytes(tabular.xlsx_response("export", sheets).content)
    (HERE / "cost-lines-export.csv").write_bytes(
        tabular.csv_response("export", COST_LINE_COLUMNS, LINES).content
    )
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        soffice(HERE / "cost-lines-export.xlsx", "xlsx:Calc MS Excel 2007 XML", work)
        shutil.copy(work / "cost-lines-export.xlsx", HERE / "cost-lines-libreoffice.xlsx")
        # 44 = comma, 34 = double quote, 76 = UTF-8, 1 = start at line 1.
        soffice(HERE / "cost-lines-export.csv", 'csv:Text - txt - csv (StarCalc):44,34,76,1',
                work, infilter="CSV:44,34,76,1")  # fmt: skip
        shutil.copy(work / "cost-lines-export.csv", HERE / "cost-lines-libreoffice.csv")
    for name in sorted(HERE.glob("cost-lines-*")):
        print(f"{name.name}: {name.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
