# The import's apply step runs as a background task: the batch records where that task is, who
# asked and when, and why it failed (issue: background tasks).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def applied_batches_are_done(apps, schema_editor):
    ImportBatch = apps.get_model("portfolio", "ImportBatch")
    ImportBatch.objects.filter(applied_at__isnull=False).update(task_state="done")


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0007_decision_registry_and_minutes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="queued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="import asked for"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="queued_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="import asked for by",
            ),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="task_failure",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", ""),
                    ("plan", "The file has errors; nothing was imported."),
                    (
                        "unexpected",
                        "The import stopped on an unexpected error; nothing was written. Try "
                        "again, or ask the administrator to look in the log.",
                    ),
                ],
                default="",
                max_length=20,
                verbose_name="why the import failed",
            ),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="task_id",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="task"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="task_state",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "not asked"),
                    ("queued", "queued"),
                    ("running", "running"),
                    ("done", "done"),
                    ("failed", "failed"),
                ],
                default="",
                max_length=10,
                verbose_name="import state",
            ),
        ),
        migrations.RunPython(applied_batches_are_done, migrations.RunPython.noop),
    ]
