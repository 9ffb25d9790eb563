"""Today's budget, running cost and cost to date become cost lines, without losing a krona.

Per initiative, borne by its own department:
- one investment line in its base year (the planned start's year, else the year it was created):
  planned = the budget, actual = the cost to date (all of what was spent so far, which the old
  fields did not split by year or kind);
- with a running cost, one running line a year, planned = the running cost, from the year after
  the planned end (else the year after the base year) through the base year + 10, the default
  horizon of the business case: the running cost was "SEK a year" with no end, and these are the
  years the business case sees.

The initiative's columns are then exactly the lines' sums (initiatives.costs.sums): the budget is
the planned investment, the running cost the planned running cost of the last year that has one,
the cost to date all actual amounts. Reversed, the lines go; the columns stay as they were.
"""

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

HORIZON = 10
BATCH = 2000


def into_lines(apps, schema_editor):
    Initiative = apps.get_model("initiatives", "Initiative")
    CostLine = apps.get_model("initiatives", "CostLine")
    rows = Initiative.objects.filter(
        Q(budget__isnull=False) | Q(running_cost__gt=0) | Q(cost_to_date__gt=0)
    ).values_list(
        "pk", "department_id", "planned_start", "planned_end", "created_at",
        "budget", "running_cost", "cost_to_date",
    )  # fmt: skip
    lines = []
    for pk, department, start, end, created, budget, running, spent in rows.iterator(BATCH):
        base = start.year if start else timezone.localtime(created).year
        if budget is not None or spent:
            lines.append(CostLine(
                initiative_id=pk, year=base, kind="investment", planned=budget or 0,
                actual=spent or None, payer_id=department,
            ))  # fmt: skip
        if running:
            first = (end.year if end else base) + 1
            for year in range(first, max(first, base + HORIZON) + 1):
                lines.append(CostLine(
                    initiative_id=pk, year=year, kind="running", planned=running,
                    payer_id=department,
                ))  # fmt: skip
        if len(lines) >= BATCH:
            CostLine.objects.bulk_create(lines)
            lines = []
    CostLine.objects.bulk_create(lines)
    # A budget that was left empty while money was spent is now 0 planned (the sum of its line).
    Initiative.objects.filter(budget__isnull=True, cost_to_date__gt=0).update(budget=0)


def remove_lines(apps, schema_editor):
    apps.get_model("initiatives", "CostLine").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0006_cost_lines")]

    operations = [migrations.RunPython(into_lines, remove_lines)]
