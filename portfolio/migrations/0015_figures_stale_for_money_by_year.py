"""The dashboard's kept sums gain money by year and who pays, who gains (issue 14): sums kept by
the earlier definitions lack them, so they are marked stale. The dashboard computes live until
the next rebuild (enqueued by the first dashboard that finds them stale, and by the nightly
timer), as after any bulk load."""

from django.db import migrations


def mark_stale(apps, schema_editor):
    apps.get_model("portfolio", "FiguresState").objects.filter(pk=1).update(as_of=None)


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0014_requires_links_and_alternatives")]

    operations = [migrations.RunPython(mark_stale, migrations.RunPython.noop)]
