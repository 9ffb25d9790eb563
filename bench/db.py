"""The bench database: a file of its own for SQLite, `portfolio_bench` on the PostgreSQL server."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
SQLITE_FILE = BENCH_DIR / "bench.sqlite3"
PG_NAME = "portfolio_bench"


def bench_url(database_url: str | None) -> str:
    """The bench database's URL: never the dev database nor the test database."""
    if not database_url or database_url.startswith("sqlite"):
        return f"sqlite:///{SQLITE_FILE}"
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path=f"/{PG_NAME}"))


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


def recreate(url: str, *, drop: bool) -> None:
    """Start from an empty bench database (drop=True), or create it only when it is missing."""
    if not is_postgres(url):
        if drop:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME]).fetchone()
        if exists and drop:
            conn.execute(f'DROP DATABASE "{PG_NAME}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{PG_NAME}"')


def configure(database_url: str | None) -> str:
    """Point Django at the bench database; call before django.setup()."""
    url = bench_url(database_url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    return url


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
