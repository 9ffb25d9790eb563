"""`manage.py portfolio_backup_sqlite FILE`: a consistent copy of a live SQLite database.

SQLite's online backup API copies the database page by page while the app keeps running; copying
the file with cp can catch it half-written. PostgreSQL is backed up with pg_dump (docs/BACKUP.md).
"""

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections


class Command(BaseCommand):
    help = (
        "Copy the SQLite database to FILE with SQLite's online backup API, check the copy's "
        "integrity and print its size. For PostgreSQL use pg_dump -Fc (docs/BACKUP.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the copy to write (a SQLite database file)")
        parser.add_argument("--overwrite", action="store_true", help="replace FILE when it exists")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file, overwrite, database, **options):
        connection = connections[database]
        if connection.vendor != "sqlite":
            raise CommandError(
                f"The database is {connection.vendor}, not SQLite: back it up with "
                "pg_dump -Fc (see docs/BACKUP.md), or write a portable dump with portfolio_dump."
            )
        if connection.in_atomic_block:
            # Our own transaction holds the write lock (transactions begin IMMEDIATE): the backup
            # would wait for it forever.
            raise CommandError("Run the backup outside a transaction.")
        target = Path(file)
        if target.exists() and not overwrite:
            raise CommandError(f"{target} exists; choose another name or pass --overwrite.")
        source = str(connection.settings_dict["NAME"])
        in_memory = connection.is_in_memory_db()
        if target.exists() and not in_memory and os.path.samefile(target, source):
            raise CommandError(f"{target} is the database itself.")
        # Copied beside the target and renamed when checked: a failed copy never looks like a
        # backup, and an existing one is only replaced by a good one.
        partial = target.with_name(f".{target.name}.partial")
        try:
            connection.ensure_connection()
            with closing(sqlite3.connect(partial)) as copy:
                connection.connection.backup(copy)
                tables, rows = _check(copy)
            partial.replace(target)
        except (OSError, sqlite3.Error) as error:
            raise CommandError(f"The backup to {target} failed: {error}.") from error
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(
            self.style.SUCCESS(
                f"Copied {tables} tables with {rows} rows to {target} "
                f"({target.stat().st_size:,} bytes); integrity check: ok."
            )
        )


def _check(copy: sqlite3.Connection) -> tuple[int, int]:
    result = copy.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise sqlite3.DatabaseError(f"the copy fails SQLite's integrity check ({result})")
    names = [
        name
        for (name,) in copy.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    rows = sum(copy.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names)
    return len(names), rows
