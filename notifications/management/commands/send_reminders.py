from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications import rules, sending
from notifications.tasks import send_reminders


class Command(BaseCommand):
    help = (
        "Collect the reminders and summaries that are due and e-mail each person one digest. "
        "Safe to run again or from two machines at once: nothing is sent twice. "
        "Run it hourly from cron or a systemd timer."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the run to the task worker instead of running it here.",
        )
        parser.add_argument(
            "--in-app-only",
            action="store_true",
            help="Only list what is due in the app; send no e-mail (the demo city).",
        )

    def handle(self, *args, enqueue: bool = False, in_app_only: bool = False, **options):
        if in_app_only:
            created = rules.collect()
            self.stdout.write(
                ngettext("%(count)s new notification.", "%(count)s new notifications.", created)
                % {"count": created}
            )
            return
        if enqueue:
            result = send_reminders.enqueue()
            self.stdout.write(_("Enqueued as task %(id)s.") % {"id": result.id})
            return
        report = sending.run()
        self.stdout.write(
            _(
                "%(notifications)s new notifications; %(deliveries)s e-mails prepared, "
                "%(sent)s sent, %(failed)s failed."
            )
            % report.__dict__
        )
