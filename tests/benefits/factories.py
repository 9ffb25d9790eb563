import datetime as dt
from decimal import Decimal

from benefits import services
from benefits.models import Benefit

TODAY = dt.date.today()


def make_benefit(initiative, **fields) -> Benefit:
    today = TODAY
    fields.setdefault("title", "Freed staff hours")
    fields.setdefault("category", "redistribution")
    fields.setdefault("unit", "h/year")
    fields.setdefault("direction", "higher")
    fields.setdefault("baseline_value", Decimal("0"))
    fields.setdefault("baseline_date", today - dt.timedelta(days=200))
    fields.setdefault("target_value", Decimal("400"))
    fields.setdefault("target_date", today + dt.timedelta(days=200))
    return Benefit.objects.create(initiative=initiative, **fields)


def measure(benefit: Benefit, on: dt.date, value, by) -> None:
    services.measurement_create(benefit=benefit, date=on, value=Decimal(str(value)), by=by)
