"""`manage.py portfolio_restore FILE`: load a dump into an empty database (docs/BACKUP.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from portfolio.management.backup import BackupError, restore_dump


class Command(BaseCommand):
    help = (
        "Restore a dump written by portfolio_dump into an empty, freshly migrated database, in "
        "one transaction: all of it or, on any error, nothing. Prints the rows restored per table."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a dump from portfolio_dump (.gz or not)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file, database, **options):
        try:
            counts = restore_dump(Path(file), using=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        width = max((len(name) for name in counts), default=0)
        for name, count in counts.items():
            self.stdout.write(f"  {name.ljust(width)}  {count:>7}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {sum(counts.values())} rows into {len(counts)} tables from {file}."
            )
        )
