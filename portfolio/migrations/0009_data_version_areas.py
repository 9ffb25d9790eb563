"""One data version per data area instead of one for everything (portfolio/cache.py).

The existing single row is kept: it becomes the version of the "initiatives" area, so a cache
key built on it before the upgrade is simply never read again, and an app server still running
the old code during a rolling upgrade (which bumps row 1) still invalidates what reads the
initiatives. The other areas' rows are created on first read.
"""

from django.db import migrations, models


def keep_one_row(apps, schema_editor):
    """The unique area needs at most one row per area; there was only ever row 1."""
    DataVersion = apps.get_model("portfolio", "DataVersion")
    first = DataVersion.objects.order_by("pk").values_list("pk", flat=True).first()
    if first is not None:
        DataVersion.objects.exclude(pk=first).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('portfolio', '0008_importbatch_task'),
    ]

    operations = [
        migrations.AddField(
            model_name='dataversion',
            name='area',
            field=models.CharField(default='initiatives', max_length=20),
            preserve_default=False,
        ),
        migrations.RunPython(keep_one_row, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='dataversion',
            name='area',
            field=models.CharField(max_length=20, unique=True),
        ),
    ]
