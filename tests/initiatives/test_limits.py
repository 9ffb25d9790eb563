"""Numbers and dates have bounds every derived figure can be stored within (issue 12).

A baseline of −999,999,999,999 used to be accepted, after which no measurement could ever be stored
(numeric field overflow on the delta); a progress update dated 9999-12-31 froze the health forever.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from benefits.models import Benefit, Measurement
from initiatives import limits
from initiatives.models import Initiative, ProgressUpdate
from tests.benefits.factories import make_benefit, measure

BENEFIT = {
    "title": "Freed hours", "category": "redistribution", "unit": "h/year",
    "direction": "higher", "frequency": "quarterly", "baseline_value": "0",
    "baseline_date": "2026-01-01", "target_value": "300", "target_date": "2027-01-01",
    "confidence": "medium",
}  # fmt: skip


@pytest.mark.parametrize(
    "field, value",
    [
        ("baseline_value", "-999999999999"),
        ("target_value", "10000000001"),
        ("sek_per_unit", "999999999999"),
        ("baseline_date", "0001-01-01"),
        ("target_date", "9999-12-31"),
    ],
)
def test_a_benefit_out_of_bounds_is_refused_with_the_input_kept(
    client_for, office, own_initiative, field, value
):
    response = client_for(office).post(
        reverse("benefits:create", args=[own_initiative.ref]), {**BENEFIT, field: value}
    )
    assert response.status_code == 422
    assert value in response.text
    assert not Benefit.objects.exists()


def test_the_extreme_allowed_values_still_store_every_measurement(office, own_initiative):
    benefit = make_benefit(
        own_initiative,
        baseline_value=-limits.INDICATOR_MAX,
        target_value=limits.INDICATOR_MAX,
        sek_per_unit=limits.SEK_PER_UNIT_MAX,
    )
    today = timezone.localdate()
    measure(benefit, today - dt.timedelta(days=2), limits.INDICATOR_MAX, office)
    measure(benefit, today - dt.timedelta(days=1), -limits.INDICATOR_MAX, office)
    measure(benefit, today, limits.INDICATOR_MAX, office)
    assert [m.delta for m in Measurement.objects.order_by("date")] == [
        2 * limits.INDICATOR_MAX,
        -2 * limits.INDICATOR_MAX,
        2 * limits.INDICATOR_MAX,
    ]
    benefit.refresh_from_db()
    assert benefit.latest_value == limits.INDICATOR_MAX


@pytest.mark.parametrize("value", ["10000000001", "-10000000001", "1e20"])
def test_a_measurement_out_of_bounds_is_refused(client_for, office, own_initiative, value):
    benefit = make_benefit(own_initiative)
    prefix = f"m{benefit.pk}"
    response = client_for(office).post(
        reverse("benefits:measurement_create", args=[benefit.pk]),
        {f"{prefix}-date": timezone.localdate().isoformat(), f"{prefix}-value": value},
    )
    assert response.status_code == 422
    assert not Measurement.objects.exists()


def test_a_measurement_dated_tomorrow_is_refused(client_for, office, own_initiative):
    benefit = make_benefit(own_initiative)
    prefix = f"m{benefit.pk}"
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client_for(office).post(
        reverse("benefits:measurement_create", args=[benefit.pk]),
        {f"{prefix}-date": tomorrow.isoformat(), f"{prefix}-value": "5"},
    )
    assert response.status_code == 422
    assert "cannot be in the future" in response.text
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01", "1989-12-31", "tomorrow"])
def test_a_progress_update_outside_the_window_is_refused(client_for, head, own_initiative, date):
    if date == "tomorrow":
        date = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    prefix = f"u{own_initiative.pk}"
    response = client_for(head).post(
        reverse("initiatives:progress_update", args=[own_initiative.ref]),
        {
            "from": "check-in",
            f"{prefix}-date": date,
            f"{prefix}-health": "green",
            f"{prefix}-summary": "Typed with care",
        },
        headers={"HX-Request": "true", "HX-Target": f"check-in-{own_initiative.pk}"},
    )
    assert response.status_code == 422
    assert "Typed with care" in response.text
    assert not ProgressUpdate.objects.exists()


def test_a_progress_update_today_is_accepted(client_for, head, own_initiative):
    prefix = f"u{own_initiative.pk}"
    client_for(head).post(
        reverse("initiatives:progress_update", args=[own_initiative.ref]),
        {
            "from": "check-in",
            f"{prefix}-date": timezone.localdate().isoformat(),
            f"{prefix}-health": "amber",
            f"{prefix}-summary": "On its way",
        },
    )
    assert ProgressUpdate.objects.get().health == "amber"


@pytest.mark.parametrize(
    "field, value",
    [
        ("budget", str(limits.AMOUNT_MAX + 1)),
        ("running_cost", "99999999999999999"),
        ("planned_end", "9999-12-31"),
    ],
)
def test_an_initiative_out_of_bounds_is_refused(client_for, office, own_department, field, value):
    data = {
        "title": "Bounded",
        "kind": "pilot",
        "department": own_department.pk,
        "stage": "idea",
        field: value,
    }
    response = client_for(office).post(reverse("initiatives:create"), data)
    assert response.status_code == 422
    assert not Initiative.objects.filter(title="Bounded").exists()


def test_a_goal_weight_above_the_bound_is_refused(client_for, office):
    response = client_for(office).post(
        reverse("portfolio:goal_create"),
        {"title": "Heavy", "weight": "5000", "order": "1", "active": "on"},
    )
    assert response.status_code in (200, 422)
    assert "less than or equal to 1000" in response.text


def test_an_hourly_rate_above_the_bound_is_refused(client_for, office):
    from benefits.models import PortfolioSetting

    response = client_for(office).post(reverse("benefits:settings"), {"hourly_rate": "1000000"})
    assert response.status_code in (200, 422)
    assert PortfolioSetting.current().hourly_rate == Decimal("450")
