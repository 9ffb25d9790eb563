import datetime as dt

import pytest
from django.utils import timezone

from initiatives import services
from initiatives.forms import InitiativeForm
from initiatives.models import Initiative
from tests.conftest import make_initiative, make_update


def test_refs_are_generated_in_sequence_per_year(office, own_department):
    year = timezone.localdate().year
    first = services.initiative_create(
        initiative=Initiative(title="A", department=own_department), by=office
    )
    second = services.initiative_create(
        initiative=Initiative(title="B", department=own_department), by=office
    )
    assert (first.ref, second.ref) == (f"DIG-{year}-001", f"DIG-{year}-002")


def test_a_generated_ref_skips_numbers_already_taken(office, own_department):
    year = timezone.localdate().year
    make_initiative(own_department, ref=f"DIG-{year}-041")
    created = services.initiative_create(
        initiative=Initiative(title="C", department=own_department), by=office
    )
    assert created.ref == f"DIG-{year}-042"


def test_an_initiative_is_overdue_after_thirty_days_without_an_update(head, own_department):
    today = timezone.localdate()
    initiative = make_initiative(own_department, stage="pilot")
    make_update(initiative, head, days_ago=31)
    loaded = Initiative.objects.with_health().get(pk=initiative.pk)
    assert loaded.is_overdue_for_update(today)
    assert not loaded.is_overdue_for_update(today - dt.timedelta(days=2))
    assert list(Initiative.objects.overdue_for_update(today)) == [initiative]


def test_closed_and_archived_initiatives_are_never_overdue(own_department):
    make_initiative(own_department, stage="closed", outcome="completed")
    make_initiative(own_department, archived_at=timezone.now())
    assert not Initiative.objects.overdue_for_update().exists()


def test_the_latest_update_by_date_gives_the_health(head, own_department):
    initiative = make_initiative(own_department)
    make_update(initiative, head, days_ago=1, health="red")
    make_update(initiative, head, days_ago=5, health="green")
    assert Initiative.objects.with_health().get(pk=initiative.pk).health == "red"


def test_tags_are_trimmed_and_deduplicated(office, own_department):
    form = InitiativeForm(
        {"title": "X", "kind": "other", "department": own_department.pk,
         "tags": " AI, skola ,,AI "},
        user=office,
    )  # fmt: skip
    assert form.is_valid(), form.errors
    assert form.cleaned_data["tags"] == "AI, skola"


def test_a_head_can_only_choose_their_own_departments(head, own_department, other_department):
    form = InitiativeForm(user=head)
    assert list(form.fields["department"].queryset) == [own_department]


@pytest.mark.parametrize("ref", ["dig-2026-001", " DIG-2026-001 "])
def test_a_typed_ref_is_normalised_to_capitals(office, own_department, ref):
    form = InitiativeForm(
        {"ref": ref, "title": "X", "kind": "other", "department": own_department.pk}, user=office
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["ref"] == "DIG-2026-001"
