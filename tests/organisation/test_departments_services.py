"""The department services: create, rename, archive, restore, merge, and what each records."""

from __future__ import annotations

import pytest

from initiatives.models import Initiative
from organisation import services
from organisation.models import Department
from tests.conftest import make_department, make_initiative, make_user

pytestmark = pytest.mark.django_db


def test_create_trims_the_name_and_upper_cases_the_code(office):
    department = services.department_create(name="  Kulturförvaltningen ", code=" kul ", by=office)
    assert (department.name, department.code) == ("Kulturförvaltningen", "KUL")
    record = department.history.get()
    assert (record.history_type, record.history_user) == ("+", office)


def test_create_refuses_a_code_taken_in_another_letter_case(office, own_department):
    with pytest.raises(services.DepartmentRefused) as refused:
        services.department_create(name="Ny förvaltning", code="utb", by=office)
    assert refused.value.field == "code"
    assert "UTB" in str(refused.value)
    assert Department.objects.count() == 1


def test_create_refuses_a_name_taken_in_another_letter_case(office, own_department):
    with pytest.raises(services.DepartmentRefused) as refused:
        services.department_create(name="UTBILDNINGSFÖRVALTNINGEN", code="NY", by=office)
    assert refused.value.field == "name"


def test_create_refuses_a_parent_that_is_itself_a_unit(office, own_department):
    unit = services.department_create(
        name="Grundskola", code="GS", parent=own_department, by=office
    )
    with pytest.raises(services.DepartmentRefused) as refused:
        services.department_create(name="Skola Nord", code="SN", parent=unit, by=office)
    assert refused.value.field == "parent"


def test_create_refuses_an_archived_parent(office, own_department):
    services.department_archive(department=own_department, by=office)
    with pytest.raises(services.DepartmentRefused):
        services.department_create(name="Grundskola", code="GS", parent=own_department, by=office)


def test_rename_records_who_and_the_old_name(office, own_department):
    services.department_update(
        department=own_department, name="Skolförvaltningen", code="skol", parent=None, by=office
    )
    own_department.refresh_from_db()
    assert (own_department.name, own_department.code) == ("Skolförvaltningen", "SKOL")
    latest, previous = own_department.history.order_by("-history_id")[:2]
    assert latest.history_user == office
    assert (previous.name, latest.name) == ("Utbildningsförvaltningen", "Skolförvaltningen")


def test_saving_unchanged_values_twice_records_one_change(office, own_department):
    for _attempt in range(2):
        services.department_update(
            department=own_department, name="Skolförvaltningen", code="UTB", parent=None, by=office
        )
    assert own_department.history.count() == 2  # created (by the fixture), renamed once


def test_a_department_cannot_be_its_own_parent(office, own_department):
    with pytest.raises(services.DepartmentRefused) as refused:
        services.department_update(
            department=own_department,
            name=own_department.name,
            code=own_department.code,
            parent=own_department,
            by=office,
        )
    assert refused.value.field == "parent"


def test_a_department_with_units_cannot_become_a_unit(office, own_department, other_department):
    services.department_create(name="Grundskola", code="GS", parent=own_department, by=office)
    with pytest.raises(services.DepartmentRefused):
        services.department_update(
            department=own_department,
            name=own_department.name,
            code=own_department.code,
            parent=other_department,
            by=office,
        )


def test_archive_keeps_the_initiatives_and_records_who(office, own_department, own_initiative):
    services.department_archive(department=own_department, by=office)
    own_department.refresh_from_db()
    assert own_department.is_archived
    assert Initiative.objects.get(pk=own_initiative.pk).department == own_department
    assert own_department.history.latest().history_user == office
    assert own_department not in Department.objects.active()


def test_archiving_twice_is_refused_with_a_message(office, own_department):
    services.department_archive(department=own_department, by=office)
    with pytest.raises(services.DepartmentRefused, match="already archived"):
        services.department_archive(department=own_department, by=office)
    assert own_department.history.count() == 2


def test_a_department_with_units_in_use_cannot_be_archived(office, own_department):
    services.department_create(name="Grundskola", code="GS", parent=own_department, by=office)
    with pytest.raises(services.DepartmentRefused, match="Grundskola"):
        services.department_archive(department=own_department, by=office)


def test_restore_brings_an_archived_department_back(office, own_department):
    services.department_archive(department=own_department, by=office)
    services.department_restore(department=own_department, by=office)
    own_department.refresh_from_db()
    assert not own_department.is_archived
    assert own_department.history.count() == 3


def test_restoring_a_department_in_use_is_refused(office, own_department):
    with pytest.raises(services.DepartmentRefused, match="not archived"):
        services.department_restore(department=own_department, by=office)


@pytest.fixture
def merge_case(office, own_department, other_department):
    """UTB (two initiatives, one archived; two members, one also in TK) merged into TK."""
    both, only_source = make_user("department_head"), make_user("department_head")
    own_department.members.add(both, only_source)
    other_department.members.add(both)
    moving = make_initiative(own_department, title="Skolmjölksroboten")
    archived = make_initiative(own_department, title="Gammal pilot")
    Initiative.objects.filter(pk=archived.pk).update(archived_at="2026-01-01T00:00:00Z")
    staying = make_initiative(other_department, title="Smarta trafikljus")
    return {
        "source": own_department,
        "target": other_department,
        "members": {both, only_source},
        "moving": [moving, archived],
        "staying": staying,
    }


def test_merge_moves_every_initiative_and_member_and_archives_the_source(office, merge_case):
    source, target = merge_case["source"], merge_case["target"]
    plan = services.department_merge(source=source, target=target, by=office)

    assert (plan.initiatives, plan.archived_initiatives, plan.members) == (2, 1, 2)
    assert set(target.initiatives.all()) == {*merge_case["moving"], merge_case["staying"]}
    assert not source.initiatives.exists()
    assert set(target.members.all()) == merge_case["members"]
    assert not source.members.exists()
    source.refresh_from_db()
    assert source.is_archived


def test_merge_records_the_department_change_in_each_initiative_history(office, merge_case):
    source, target = merge_case["source"], merge_case["target"]
    versions = {i.pk: i.version for i in merge_case["moving"]}
    services.department_merge(source=source, target=target, by=office)

    for initiative in merge_case["moving"]:
        latest = initiative.history.latest()
        assert latest.history_user == office
        assert latest.department_id == target.pk
        assert latest.version == versions[initiative.pk] + 1
        assert "UTB" in latest.history_change_reason and "TK" in latest.history_change_reason
        assert initiative.history.count() == 2  # created, moved: earlier history kept
    assert merge_case["staying"].history.count() == 1


def test_merge_records_who_merged_what_into_what_on_both_departments(office, merge_case):
    source, target = merge_case["source"], merge_case["target"]
    records_before = source.history.count()
    services.department_merge(source=source, target=target, by=office)

    source_record = source.history.latest()
    assert source_record.history_user == office
    assert source_record.history_change_reason == "Merged into Trafikkontoret (TK)"
    assert source_record.archived_at is not None
    target_record = target.history.latest()
    assert target_record.history_user == office
    assert "Utbildningsförvaltningen" in target_record.history_change_reason
    assert {m.user_id for m in target_record.members.all()} == {u.pk for u in merge_case["members"]}
    # One record each for the merge, not one per member added or removed.
    assert source.history.count() == records_before + 1


def test_merging_twice_is_refused_and_moves_nothing_twice(office, merge_case):
    source, target = merge_case["source"], merge_case["target"]
    services.department_merge(source=source, target=target, by=office)
    target_records = target.history.count()
    with pytest.raises(services.DepartmentRefused, match="archived"):
        services.department_merge(source=source, target=target, by=office)
    for initiative in merge_case["moving"]:
        assert initiative.history.count() == 2
    assert target.history.count() == target_records


def test_merging_into_itself_is_refused(office, own_department):
    with pytest.raises(services.DepartmentRefused, match="itself"):
        services.department_merge(source=own_department, target=own_department, by=office)


def test_merging_into_an_archived_department_is_refused(office, own_department, other_department):
    initiative = make_initiative(own_department)
    services.department_archive(department=other_department, by=office)
    with pytest.raises(services.DepartmentRefused, match="archived"):
        services.department_merge(source=own_department, target=other_department, by=office)
    assert Initiative.objects.get(pk=initiative.pk).department == own_department


def test_merge_moves_the_units_to_the_target(office, own_department, other_department):
    unit = services.department_create(
        name="Grundskola", code="GS", parent=own_department, by=office
    )
    services.department_merge(source=own_department, target=other_department, by=office)
    unit.refresh_from_db()
    assert unit.parent == other_department
    assert unit.history.latest().history_user == office


def test_a_department_with_units_cannot_be_merged_into_a_unit(office, own_department):
    top = make_department("Stadsledningskontoret", "SLK")
    services.department_create(name="Grundskola", code="GS", parent=own_department, by=office)
    unit = services.department_create(name="IT-enheten", code="IT", parent=top, by=office)
    with pytest.raises(services.DepartmentRefused, match="units"):
        services.department_merge(source=own_department, target=unit, by=office)


def test_an_edit_opened_before_the_merge_keeps_the_initiative_in_the_target(
    office, own_department, other_department, own_initiative
):
    from initiatives import services as initiative_services

    opened = own_initiative.version
    services.department_merge(source=own_department, target=other_department, by=office)
    initiative_services.initiative_update(
        initiative=own_initiative,
        values={"title": "Skolmjölksroboten 2", "department": own_department.pk},
        opened_version=opened,
        by=office,
    )
    own_initiative.refresh_from_db()
    assert own_initiative.department == other_department
    assert own_initiative.title == "Skolmjölksroboten 2"
