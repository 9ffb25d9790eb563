"""Background tasks (django-tasks): what a worker runs beside the web servers.

With the default ImmediateBackend (`make run`), `enqueue` runs the task at once in the same
process; in production TASKS_BACKEND=database stores it and `manage.py db_worker` runs it.
"""

from __future__ import annotations

from django_tasks import task

from notifications import sending


@task()
def send_reminders() -> dict:
    """Collect what is due and send the digests; the cron/systemd timer enqueues this hourly."""
    report = sending.run()
    return {
        "notifications": report.notifications,
        "deliveries": report.deliveries,
        "sent": report.sent,
        "failed": report.failed,
    }
