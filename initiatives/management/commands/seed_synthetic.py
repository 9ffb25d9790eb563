"""`manage.py seed_synthetic --initiatives N --seed S`: a synthetic portfolio for benchmarks."""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from portfolio.synthetic import seed_synthetic


class Command(BaseCommand):
    help = (
        "Create a deterministic synthetic portfolio: 20 departments, 5 goals and N initiatives "
        "(SYN-000001 …) with benefits, measurements, progress updates and goal scores. "
        "Initiatives already in the database are kept, so a larger N extends a smaller one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--initiatives", type=int, default=100, help="N (default 100)")
        parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                            help="date the portfolio is relative to (default: today)")  # fmt: skip
        parser.add_argument(
            "--password",
            default=None,
            help="password for the synthetic users (syn.*); without it they cannot log in",
        )

    def handle(self, *args, **options):
        if options["initiatives"] < 0:
            raise CommandError("--initiatives must be 0 or more.")
        started = time.perf_counter()
        counts = seed_synthetic(
            options["initiatives"],
            seed=options["seed"],
            today=options["today"],
            password=options["password"],
        )
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Synthetic portfolio: {counts['initiatives']} new initiatives, "
                f"{counts['benefits']} benefits, {counts['measurements']} measurements, "
                f"{counts['progress_updates']} progress updates, {counts['alignments']} goal "
                f"scores in {seconds:.1f} s ({counts['departments']} departments, "
                f"{counts['goals']} goals)."
            )
        )
