"""`manage.py load_demo`: load the demo city "Demostad" and print its logins (DEBUG only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from initiatives.demo import DEMO_PASSWORD, DEMO_USERS, LINE_MANAGERS, load_demo


class Command(BaseCommand):
    help = "Load the demo municipality Demostad (idempotent). Only runs with DEBUG=true."

    def handle(self, *args, **options):
        # Demo users share a published password: they must never exist in production. There is
        # deliberately no --force.
        if not settings.DEBUG:
            raise CommandError(
                "Demo data is only loaded with DEBUG=true (local development). "
                "Refusing to create demo users with a published password."
            )
        counts = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demostad: {counts['initiatives']} initiatives "
                f"({counts['initiatives_created']} new), {counts['departments']} departments, "
                f"{counts['stage_changes']} stage changes "
                f"({counts['pending_proposals']} waiting for a decision), "
                f"{counts['progress_updates']} progress updates, {counts['lessons']} lessons, "
                f"{counts['benefits']} benefits with {counts['measurements']} measurements, "
                f"{counts['goals']} council goals with {counts['alignments']} scores."
            )
        )
        self.stdout.write("")
        self.stdout.write("Demo logins:")
        rows = [("username", "role", "department", "password")] + [
            (username, role, code or "-", DEMO_PASSWORD)
            for username, _first, _last, role, code in DEMO_USERS
        ]
        # Line managers have no role: they only see "My benefits", the benefits they own.
        rows += [
            (username, "none (benefit owner)", code, DEMO_PASSWORD)
            for username, _first, _last, code in LINE_MANAGERS
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for number, row in enumerate(rows):
            self.stdout.write(
                "  "
                + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
            if number == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
