"""The bench database: one of its own per run, on SQLite (a file) or on the PostgreSQL server.

Each run names its database portfolio_bench_<pid>_<timestamp> (SQLite: bench/<that>.sqlite3), so
two runs on the same server or in the same folder never share or drop each other's database. The
run drops it at the end unless told to keep it (--keep); --db-name reuses one kept earlier (the
100,000-row seed takes minutes, so a quick look at a page need not seed again).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
PREFIX = "portfolio_bench_"


def run_name() -> str:
    """A name no other run has: the process id and the second it started."""
    return f"{PREFIX}{os.getpid()}_{time.strftime('%Y%m%d%H%M%S')}"


def sqlite_file(name: str) -> Path:
    return BENCH_DIR / f"{name}.sqlite3"


def bench_url(database_url: str | None, name: str) -> str:
    """The bench database's URL: never the dev database nor the test database."""
    if not name.startswith(PREFIX) or not name.replace("_", "").isalnum():
        # The name goes into DROP DATABASE: only names this module makes.
        raise ValueError(f"not a bench database name: {name!r}")
    if not database_url or database_url.startswith("sqlite"):
        return f"sqlite:///{sqlite_file(name)}"
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def name_of(url: str) -> str:
    if is_postgres(url):
        return urlsplit(url).path.lstrip("/")
    return Path(url.removeprefix("sqlite:///")).stem


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


def _server(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def create(url: str) -> None:
    """Create the run's database (empty). SQLite creates its file on first connection."""
    if not is_postgres(url):
        return
    import psycopg

    with psycopg.connect(_server(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name_of(url)}"')


def drop(url: str) -> None:
    """Drop the run's database; Django's connections must be closed first."""
    name = name_of(url)
    if not name.startswith(PREFIX):
        raise ValueError(f"not a bench database: {name!r}")
    if not is_postgres(url):
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{sqlite_file(name)}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(_server(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def configure(database_url: str | None, name: str | None = None) -> str:
    """Point Django at the bench database (this run's, or `name` kept by an earlier one); call
    before django.setup()."""
    url = bench_url(database_url, name or run_name())
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    return url


def close_django() -> None:
    """Close Django's connections so the database can be dropped."""
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: BLE001 — Django may not be set up yet
        pass


def settle(connection) -> None:
    """Bring a freshly bulk-loaded PostgreSQL database to the state production tables are in.

    Until autovacuum gets to them the new tables have no statistics, their pages are written again
    by the first reads (hint bits) and by the checkpoint that follows the load. Vacuum, analyse
    and checkpoint now, so the plans are production's and no autovacuum or checkpoint shares the
    two cores with the timed requests.
    """
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
