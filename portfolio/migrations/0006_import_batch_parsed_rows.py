# The import reads a file once, at upload, and keeps the rows it read with the batch (issue 12).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portfolio", "0005_bounds_and_decision_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveField(
            model_name="importbatch",
            name="content",
        ),
        migrations.AddField(
            model_name="importbatch",
            name="parsed",
            field=models.JSONField(blank=True, editable=False, null=True, verbose_name="rows read"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="row_count",
            field=models.PositiveIntegerField(default=0, verbose_name="rows"),
        ),
        migrations.AddField(
            model_name="importbatch",
            name="applied_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
