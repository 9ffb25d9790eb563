"""Recompute the dashboard's sums from scratch and compare them with those kept on write."""

from django.core.management.base import BaseCommand

from portfolio import figures


class Command(BaseCommand):
    help = (
        "Recompute the dashboard's sums (portfolio.figures) from scratch and compare them with "
        "the ones kept current on write, to the krona; exit 1 on a difference. --rebuild "
        "replaces them with the recomputed ones (also when they are stale). --enqueue asks the "
        "task worker to rebuild them (the nightly timer)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true")
        parser.add_argument("--enqueue", action="store_true")

    def handle(self, *args, rebuild=False, enqueue=False, **options):
        if enqueue:
            from portfolio.tasks import refresh_figures

            refresh_figures.enqueue()
            self.stdout.write("The rebuild of the figures is queued.")
            return
        if rebuild:
            count = figures.rebuild()
            self.stdout.write(f"Rebuilt the figures of {count} initiatives.")
            return
        problems = figures.check()
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise SystemExit(1)
        self.stdout.write("The figures agree with the data.")
