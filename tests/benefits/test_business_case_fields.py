"""A benefit's lifetime and who gains it, and the business case's settings (issue 14)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from benefits.models import Benefit, PortfolioSetting

DATA = {
    "title": "Fria timmar", "category": "redistribution", "unit": "h/year",
    "direction": "higher", "frequency": "quarterly", "baseline_value": "0",
    "baseline_date": "2026-01-01", "target_value": "300", "target_date": "2027-01-01",
    "valued_at_hourly_rate": "on", "confidence": "medium",
}  # fmt: skip


def create(client, initiative, **fields):
    return client.post(reverse("benefits:create", args=[initiative.ref]), {**DATA, **fields})


def test_a_benefit_gets_a_lifetime_and_the_department_that_gains(
    client_for, head, own_initiative, other_department
):
    response = create(
        client_for(head), own_initiative, lifetime_years="8", gainer="department",
        gainer_department=str(other_department.pk), gainer_other="ignored",
    )  # fmt: skip
    assert response.status_code == 302
    benefit = Benefit.objects.get()
    assert benefit.lifetime_years == 8 and benefit.gainer_department == other_department
    assert benefit.gainer_other == ""  # only what the choice uses is kept


def test_left_out_the_defaults_stand_and_an_edit_keeps_what_was_saved(
    client_for, head, own_initiative
):
    assert create(client_for(head), own_initiative).status_code == 302
    benefit = Benefit.objects.get()
    assert (benefit.lifetime_years, benefit.gainer) == (5, "department")
    benefit.lifetime_years, benefit.gainer = 3, "residents"
    benefit.save()
    client_for(head).post(reverse("benefits:edit", args=[benefit.pk]), DATA)
    benefit.refresh_from_db()
    assert (benefit.lifetime_years, benefit.gainer) == (3, "residents")


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"gainer": "other", "gainer_other": " "}, "gainer_other", "Name the organisation"),
        ({"lifetime_years": "51"}, "lifetime_years", "less than or equal to 50"),
        ({"lifetime_years": "-1"}, "lifetime_years", "greater than or equal to 0"),
        ({"gainer": "aliens"}, "gainer", "Select a valid choice"),
    ],
)
def test_bad_business_case_fields_are_refused_and_kept(
    client_for, head, own_initiative, fields, field, message
):
    response = create(client_for(head), own_initiative, title="Behåll titeln", **fields)
    assert response.status_code == 422
    assert field in response.context["form"].errors and message in response.text
    assert 'value="Behåll titeln"' in response.text
    assert not Benefit.objects.exists()


def test_another_organisation_gains_by_name(client_for, head, own_initiative):
    create(client_for(head), own_initiative, gainer="other", gainer_other="Region Stockholm")
    assert Benefit.objects.get().gainer_other == "Region Stockholm"


@pytest.mark.parametrize("role, allowed", [("office", True), ("head", False), ("executive", False)])
def test_only_the_office_sets_the_discount_rate_and_horizon(
    client_for, users_by_role, role, allowed
):
    response = client_for(users_by_role[role]).post(
        reverse("benefits:settings"),
        {"hourly_rate": "450", "discount_rate": "4.0", "horizon_years": "15"},
    )
    setting = PortfolioSetting.current()
    if allowed:
        assert response.status_code == 302
        assert (setting.discount_rate, setting.horizon_years) == (Decimal("4"), 15)
    else:
        assert response.status_code == 403
        assert (setting.discount_rate, setting.horizon_years) == (Decimal("3.5"), 10)


@pytest.mark.parametrize(
    "fields, field",
    [({"discount_rate": "25"}, "discount_rate"), ({"horizon_years": "0"}, "horizon_years")],
)
def test_an_impossible_rate_or_horizon_is_refused(client_for, office, fields, field):
    response = client_for(office).post(
        reverse("benefits:settings"), {"hourly_rate": "450", **fields}
    )
    assert response.status_code == 422 and field in response.context["form"].errors
    assert PortfolioSetting.current().horizon_years == 10
