"""Bounds on what people type, chosen so that every figure derived from them fits the database.

A benefit's values are stored with 16 digits, 4 of them decimals (|x| < 10^12). A measurement
keeps its change from the previous one (up to twice the largest value), and money is an improvement
times SEK per unit: with values within ±10^10 and SEK per unit within 10^7, every stored delta fits
and every krona figure stays below 2·10^17, inside a 64-bit integer. Kronor amounts (budget, costs)
are capped far above any municipality's whole budget, so sums over 100,000 initiatives still fit.

Dates have a window: a typo such as 9999-12-31 on a progress update would otherwise make it "the
latest" forever; what has happened (updates, measurements, lessons) cannot be in the future.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

INDICATOR_MAX = Decimal("10000000000")  # 10^10, any unit
SEK_PER_UNIT_MAX = Decimal("10000000")  # 10^7 SEK per unit of improvement and year
AMOUNT_MAX = 100_000_000_000  # 10^11 SEK: budget, running cost, cost to date
EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def not_in_future(value: dt.date) -> None:
    """What has happened is dated today or earlier."""
    today = timezone.localdate()
    if value > today:
        raise ValidationError(
            _("The date cannot be in the future (today is %(today)s)."),
            code="future",
            params={"today": date_format(today, "SHORT_DATE_FORMAT")},
        )


indicator_bounds = [MinValueValidator(-INDICATOR_MAX), MaxValueValidator(INDICATOR_MAX)]
sek_per_unit_bounds = [MinValueValidator(-SEK_PER_UNIT_MAX), MaxValueValidator(SEK_PER_UNIT_MAX)]
amount_bounds = [MinValueValidator(0), MaxValueValidator(AMOUNT_MAX)]
date_window = [MinValueValidator(EARLIEST_DATE), MaxValueValidator(LATEST_DATE)]
happened = [MinValueValidator(EARLIEST_DATE), not_in_future]
