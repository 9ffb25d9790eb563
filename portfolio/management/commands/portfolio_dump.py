"""`manage.py portfolio_dump [FILE]`: a portable dump of the whole database (docs/BACKUP.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from portfolio.management.backup import open_for_writing, write_dump


class Command(BaseCommand):
    help = (
        "Write every table a restore needs (users, role groups, all app data and its history) "
        "as JSON Lines to FILE, gzipped when FILE ends in .gz, or to standard output. Restore it "
        "with portfolio_restore into an empty, freshly migrated database."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default="-", help="where to write; - for stdout")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file, database, **options):
        if file == "-":
            counts = write_dump(self.stdout, using=database)
            report = self.stderr
        else:
            path = Path(file)
            # Written beside the target and renamed when complete: a failed dump never leaves a
            # file that looks like a backup.
            partial = path.with_name(f".{path.name}.partial")
            try:
                with open_for_writing(partial, compress=path.name.endswith(".gz")) as out:
                    counts = write_dump(out, using=database)
                partial.replace(path)
            except OSError as error:
                partial.unlink(missing_ok=True)
                raise CommandError(f"Cannot write {path}: {error.strerror or error}.") from error
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            report = self.stdout
        rows = sum(counts.values())
        where = "standard output" if file == "-" else file
        report.write(f"Dumped {rows} rows of {len(counts)} tables to {where}.")
