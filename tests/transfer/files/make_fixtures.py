"""How the spreadsheet fixtures in this folder were made (run again to remake them).

    apt-get install -y libreoffice-calc        # LibreOffice 7.4 on Debian 12 here
    .venv/bin/python tests/transfer/files/make_fixtures.py

1. The app's own exporter (portfolio.tabular) writes a small initiatives table: export.xlsx and
   export.csv. It holds what real files trip over: booleans, dates, negative and decimal
   numbers, empty cells, Swedish letters, a line break, and text that looks like a formula.
2. LibreOffice Calc, headless, opens and saves them, as a user who opens the download and saves
   it again would:
   - libreoffice-saved.xlsx: export.xlsx opened and saved as XLSX (booleans become formula cells,
     <f>TRUE()</f> with a stored result);
   - libreoffice-saved.csv: export.csv opened (UTF-8, comma) and saved as CSV (UTF-8, comma);
   - libreoffice-from-ods.xlsx: export.xlsx saved as ODS, and that ODS saved as XLSX.

No Excel-saved fixture: there is no Excel on this machine, and no genuinely Excel-written file was
at hand.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

# The texts a spreadsheet program would run as a formula if they were not written as text.
FORMULA_LIKE = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "\tx"]


def rows() -> tuple[list[str], list[dict]]:
    from initiatives.exports import COLUMNS

    base = {
        "kind": "rpa",
        "department": "UTB",
        "owner": "",
        "stage": "pilot",
        "outcome": "",
        "planned_start": dt.date(2025, 1, 1),
        "planned_end": dt.date(2026, 6, 30),
        "budget": Decimal("380000"),
        "running_cost": Decimal("12500.5"),
        "cost_to_date": Decimal("0"),
        "must_do": False,
        "hypothesis": "",
        "stop_criteria": "",
        "tags": "",
        "health": "",
        "last_update_on": None,
        "archived": False,
    }
    data = [
        {**base, "ref": "FIX-001", "title": "Skolmjölksroboten", "summary": "Åäö; \"kö\"",
         "must_do": True, "tags": "RPA, skola", "health": "green",
         "last_update_on": dt.date(2026, 3, 1)},
        {**base, "ref": "FIX-002", "title": "Smarta trafikljus", "summary": "Rad ett\nrad två",
         "running_cost": Decimal("-5"), "planned_start": None, "planned_end": None},
    ]  # fmt: skip
    for number, text in enumerate(FORMULA_LIKE, start=3):
        data.append({**base, "ref": f"FIX-{number:03d}", "title": text, "summary": text})
    return COLUMNS, data


def soffice(source: Path, target_format: str, outdir: Path, *, infilter: str | None = None):
    command = ["soffice", "--headless", "--norestore"]
    if infilter:
        command.append(f"--infilter={infilter}")
    command += ["--convert-to", target_format, "--outdir", str(outdir), str(source)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def main() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")  # no database is used
    django.setup()
    from portfolio import tabular

    columns, data = rows()
    (HERE / "export.xlsx").write_bytes(
        tabular.xlsx_response("export", [("initiatives", columns, data)]).content
    )
    (HERE / "export.csv").write_bytes(tabular.csv_response("export", columns, data).content)

    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        soffice(HERE / "export.xlsx", "xlsx:Calc MS Excel 2007 XML", work)
        shutil.copy(work / "export.xlsx", HERE / "libreoffice-saved.xlsx")
        # 44 = comma, 34 = double quote, 76 = UTF-8, 1 = start at line 1.
        soffice(HERE / "export.csv", 'csv:Text - txt - csv (StarCalc):44,34,76,1', work,
                infilter="CSV:44,34,76,1")  # fmt: skip
        shutil.copy(work / "export.csv", HERE / "libreoffice-saved.csv")
        soffice(HERE / "export.xlsx", "ods", work)
        (work / "ods").mkdir()
        soffice(work / "export.ods", "xlsx:Calc MS Excel 2007 XML", work / "ods")
        shutil.copy(work / "ods" / "export.xlsx", HERE / "libreoffice-from-ods.xlsx")
    for name in sorted(HERE.glob("*.xlsx")) + sorted(HERE.glob("*.csv")):
        print(f"{name.name}: {name.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
