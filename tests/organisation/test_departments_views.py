"""The department pages, as the office uses them: list, create, edit, archive, restore, merge."""

from __future__ import annotations

import pytest
from django.urls import reverse

from initiatives.models import Initiative
from organisation import services
from organisation.models import Department
from tests.conftest import make_department, make_initiative, make_user

pytestmark = pytest.mark.django_db

LIST = reverse("organisation:departments")
CREATE = reverse("organisation:department_create")


def edit_url(department: Department) -> str:
    return reverse("organisation:department_edit", args=[department.pk])


def merge_url(department: Department) -> str:
    return reverse("organisation:department_merge", args=[department.pk])


def test_the_list_shows_name_code_parent_and_counts(client_for, office, own_department):
    unit = services.department_create(
        name="Grundskola", code="GS", parent=own_department, by=office
    )
    own_department.members.add(make_user("department_head"), make_user("department_head"))
    make_initiative(unit)
    response = client_for(office).get(LIST)
    assert response.status_code == 200
    rows = {d.code: d for d in response.context["departments"]}
    assert (rows["UTB"].member_count, rows["UTB"].initiative_count) == (2, 0)
    assert (rows["GS"].member_count, rows["GS"].initiative_count) == (0, 1)
    assert rows["GS"].parent == own_department
    assert "Grundskola" in response.text


def test_the_list_hides_archived_departments_unless_asked(client_for, office, own_department):
    old = make_department("Gamla nämnden", "GN")
    services.department_archive(department=old, by=office)
    client = client_for(office)
    assert "Gamla nämnden" not in client.get(LIST).text
    shown = client.get(LIST, {"archived": "on"})
    assert "Gamla nämnden" in shown.text


def test_the_filter_swaps_only_the_table_for_htmx(client_for, office, own_department):
    response = client_for(office).get(
        LIST, {"archived": "on"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="department-table"
    )
    assert response.text.lstrip().startswith('<div id="department-table"')


def test_creating_a_department_stores_a_trimmed_upper_case_code(client_for, office):
    response = client_for(office).post(CREATE, {"name": " Kulturförvaltningen ", "code": " kul"})
    department = Department.objects.get()
    assert (department.name, department.code) == ("Kulturförvaltningen", "KUL")
    assert response.status_code == 302
    assert response["Location"] == edit_url(department)


def test_a_taken_code_is_refused_with_422_and_the_input_kept(client_for, office, own_department):
    response = client_for(office).post(CREATE, {"name": "Ny förvaltning", "code": "utb"})
    assert response.status_code == 422
    assert "The code UTB is already used by Utbildningsförvaltningen." in response.text
    assert 'value="Ny förvaltning"' in response.text
    assert Department.objects.count() == 1


def test_an_empty_name_and_code_are_refused_with_a_message_each(client_for, office):
    response = client_for(office).post(CREATE, {"name": "  ", "code": ""})
    assert response.status_code == 422
    assert response.text.count('class="errorlist') == 2
    assert not Department.objects.exists()


def test_a_code_with_a_space_is_refused(client_for, office):
    response = client_for(office).post(CREATE, {"name": "Kultur", "code": "KS IT"})
    assert response.status_code == 422
    assert "no spaces" in response.text
    assert 'value="KS IT"' in response.text


def test_an_invalid_post_from_htmx_returns_only_the_form_with_422(client_for, office):
    response = client_for(office).post(
        CREATE, {"name": "", "code": "X"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="department-form"
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form id="department-form"')


def test_a_valid_post_from_htmx_redirects_the_browser(client_for, office):
    response = client_for(office).post(
        CREATE,
        {"name": "Kultur", "code": "K"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="department-form",
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == edit_url(Department.objects.get())


def test_the_same_create_sent_twice_makes_one_department(client_for, office):
    client = client_for(office)
    client.post(CREATE, {"name": "Kultur", "code": "K"})
    second = client.post(CREATE, {"name": "Kultur", "code": "K"})
    assert second.status_code == 422
    assert Department.objects.count() == 1


def test_renaming_shows_on_the_page_with_who_did_it(client_for, office, own_department):
    client = client_for(office)
    response = client.post(
        edit_url(own_department), {"name": "Skolförvaltningen", "code": "skol"}, follow=True
    )
    assert response.status_code == 200
    own_department.refresh_from_db()
    assert (own_department.name, own_department.code) == ("Skolförvaltningen", "SKOL")
    history = response.context["history"]
    assert history[0].who == office.get_full_name()
    assert {(c.old, c.new) for c in history[0].changes} == {
        ("Utbildningsförvaltningen", "Skolförvaltningen"),
        ("UTB", "SKOL"),
    }


def test_the_parent_choices_leave_out_itself_units_and_archived_departments(
    client_for, office, own_department, other_department
):
    unit = services.department_create(
        name="Grundskola", code="GS", parent=own_department, by=office
    )
    archived = make_department("Gamla nämnden", "GN")
    services.department_archive(department=archived, by=office)
    response = client_for(office).get(edit_url(own_department))
    choices = set(response.context["form"].fields["parent"].queryset)
    assert choices == {other_department}
    assert unit not in choices and archived not in choices


def test_a_forged_parent_that_is_the_department_itself_is_refused(
    client_for, office, own_department
):
    response = client_for(office).post(
        edit_url(own_department),
        {"name": own_department.name, "code": "UTB", "parent": own_department.pk},
    )
    assert response.status_code == 422
    assert Department.objects.get(pk=own_department.pk).parent is None


def test_the_page_lists_members_with_links_to_their_user_page(client_for, office, own_department):
    member = make_user("department_head", own_department)
    response = client_for(office).get(edit_url(own_department))
    assert member.get_full_name() in response.text
    assert reverse("organisation:user_edit", args=[member.pk]) in response.text


def test_archiving_hides_the_department_but_keeps_its_initiatives(
    client_for, office, own_department, own_initiative
):
    client = client_for(office)
    response = client.post(
        reverse("organisation:department_archive", args=[own_department.pk]), follow=True
    )
    assert "is archived" in response.text
    own_department.refresh_from_db()
    assert own_department.is_archived
    assert Initiative.objects.get(pk=own_initiative.pk).department == own_department
    assert "Utbildningsförvaltningen" not in client.get(LIST).text


def test_archiving_twice_says_so_and_records_once(client_for, office, own_department):
    client = client_for(office)
    url = reverse("organisation:department_archive", args=[own_department.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert "already archived" in response.text
    assert own_department.history.count() == 2


def test_restoring_brings_it_back_into_the_list(client_for, office, own_department):
    client = client_for(office)
    client.post(reverse("organisation:department_archive", args=[own_department.pk]))
    client.post(reverse("organisation:department_restore", args=[own_department.pk]))
    assert "Utbildningsförvaltningen" in client.get(LIST).text


def test_there_is_no_way_to_delete_a_department(client_for, office, own_department):
    response = client_for(office).get(edit_url(own_department))
    assert "Delete" not in response.text
    assert client_for(office).delete(edit_url(own_department)).status_code == 405


def test_the_merge_confirm_step_shows_counts_and_moves_nothing(
    client_for, office, head, own_department, other_department, own_initiative
):
    make_user("department_head", own_department)
    response = client_for(office).post(merge_url(own_department), {"target": other_department.pk})
    assert response.status_code == 200
    plan = response.context["plan"]
    assert (plan.initiatives, plan.members) == (1, 2)  # the head fixture and the new member
    assert 'name="confirm"' in response.text
    assert Initiative.objects.get(pk=own_initiative.pk).department == own_department


def test_the_confirm_step_carries_a_four_digit_department_id_as_posted(
    client_for, office, own_department, own_initiative
):
    """Ids of 1,000 and more: the hidden field holds "12345", never "12,345" or "12 345"
    (numbers are shown with thousand separators), so confirming merges instead of refusing."""
    big = Department.objects.create(pk=12345, name="Kulturförvaltningen", code="KUL")
    client = client_for(office)
    confirm_step = client.post(merge_url(own_department), {"target": big.pk})
    assert 'name="target" value="12345"' in confirm_step.text
    response = client.post(merge_url(own_department), {"target": "12345", "confirm": "on"})
    assert response.status_code == 302
    assert Initiative.objects.get(pk=own_initiative.pk).department == big


def test_confirming_the_merge_moves_everything_and_says_so(
    client_for, office, own_department, other_department, own_initiative, head
):
    response = client_for(office).post(
        merge_url(own_department), {"target": other_department.pk, "confirm": "on"}, follow=True
    )
    assert response.redirect_chain[-1][0] == edit_url(other_department)
    assert "was merged into Trafikkontoret" in response.text
    assert Initiative.objects.get(pk=own_initiative.pk).department == other_department
    assert head in other_department.members.all()
    assert "Utbildningsförvaltningen" in response.context["history"][0].reason


def test_the_merge_sent_twice_gets_a_clear_message_and_moves_nothing_twice(
    client_for, office, own_department, other_department, own_initiative
):
    client = client_for(office)
    data = {"target": other_department.pk, "confirm": "on"}
    client.post(merge_url(own_department), data)
    second = client.post(merge_url(own_department), data)
    assert second.status_code == 409
    assert "is archived" in second.text and "nothing was moved" in second.text
    assert own_initiative.history.count() == 2


def test_merging_into_itself_is_not_offered_and_refused_when_forged(
    client_for, office, own_department
):
    client = client_for(office)
    assert (
        own_department
        not in client.get(merge_url(own_department)).context["form"].fields["target"].queryset
    )
    response = client.post(merge_url(own_department), {"target": own_department.pk})
    assert response.status_code == 422
    assert "other than this one" in response.text


def test_merging_into_an_archived_department_is_refused(
    client_for, office, own_department, other_department
):
    services.department_archive(department=other_department, by=office)
    response = client_for(office).post(
        merge_url(own_department), {"target": other_department.pk, "confirm": "on"}
    )
    assert response.status_code == 422
    assert not Department.objects.get(pk=own_department.pk).is_archived


def test_an_archived_department_offers_no_merge(client_for, office, own_department):
    services.department_archive(department=own_department, by=office)
    response = client_for(office).get(merge_url(own_department))
    assert "cannot be merged" in response.text
    assert 'name="target"' not in response.text
