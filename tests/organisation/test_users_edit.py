"""Editing a user: name, e-mail, role, departments, active state, password links, history."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from organisation.models import Department
from tests.conftest import make_department, make_user


@pytest.fixture
def person(own_department):
    user = make_user(None, own_department, username="newcomer")
    user.email = "newcomer@stad.se"
    user.save()
    return user


def _edit(client, user, **changes):
    data = {"first_name": user.first_name, "last_name": user.last_name, "email": user.email,
            "role": "", "is_active": "on", **changes}  # fmt: skip
    return client.post(reverse("organisation:user_edit", args=[user.pk]), data)


def test_the_office_gives_a_waiting_user_a_role(client_for, office, person):
    response = _edit(client_for(office), person, role="executive")
    assert response.status_code == 302
    assert list(person.groups.values_list("name", flat=True)) == ["executive"]


def test_changing_the_role_leaves_exactly_one_role_group_and_other_groups_alone(
    client_for, office, person
):
    reviewers = Group.objects.create(name="reviewers")
    person.groups.add(Group.objects.get(name="executive"), reviewers)
    _edit(client_for(office), person, role="department_head")
    assert set(person.groups.values_list("name", flat=True)) == {"department_head", "reviewers"}


def test_no_role_takes_the_role_away(client_for, office, person):
    person.groups.add(Group.objects.get(name="executive"))
    _edit(client_for(office), person, role="")
    assert not person.groups.exists()


def test_departments_are_set_through_the_department_so_its_history_records_them(
    client_for, office, person, own_department, other_department
):
    _edit(client_for(office), person, departments=[other_department.pk])
    assert list(person.departments.all()) == [other_department]
    added = other_department.history.latest()
    assert added.history_user == office
    assert person.pk in {m.user_id for m in added.members.all()}
    assert own_department.history.latest().history_user == office


def test_only_active_departments_are_offered_and_archived_memberships_are_kept(
    client_for, office, person
):
    archived = make_department("Gamla förvaltningen", "OLD")
    archived.members.add(person)
    Department.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    client = client_for(office)
    page = client.get(reverse("organisation:user_edit", args=[person.pk]))
    assert archived not in page.context["form"].fields["departments"].queryset
    assert "Gamla förvaltningen" in page.content.decode()  # shown read-only
    _edit(client, person, departments=[])
    assert archived in person.departments.all()
    response = _edit(client, person, departments=[archived.pk])
    assert response.status_code == 422


def test_name_and_email_are_changed_and_a_bad_email_is_refused_keeping_what_was_typed(
    client_for, office, person
):
    client = client_for(office)
    _edit(client, person, first_name="Nina", last_name="Ny", email="nina@stad.se")
    person.refresh_from_db()
    assert (person.first_name, person.email) == ("Nina", "nina@stad.se")
    response = _edit(client, person, first_name="Typed", email="broken")
    assert response.status_code == 422
    assert 'value="Typed"' in response.content.decode()


def test_role_and_active_changes_are_recorded_with_who_and_when(client_for, office, person):
    _edit(client_for(office), person, role="executive")
    client_for(office).post(reverse("organisation:user_deactivate", args=[person.pk]))
    entries = LogEntry.objects.filter(object_id=str(person.pk)).order_by("action_time")
    assert [entry.user for entry in entries] == [office, office]
    assert "role: none → executive" in entries[0].change_message
    assert entries[1].change_message == "Deactivated"


def test_deactivating_keeps_the_user_and_reactivating_lets_them_in_again(
    client_for, office, person
):
    client = client_for(office)
    client.post(reverse("organisation:user_deactivate", args=[person.pk]))
    person.refresh_from_db()
    assert not person.is_active
    client.post(reverse("organisation:user_reactivate", args=[person.pk]))
    person.refresh_from_db()
    assert person.is_active


def test_the_office_cannot_deactivate_itself(client_for, office):
    client = client_for(office)
    response = client.post(reverse("organisation:user_deactivate", args=[office.pk]), follow=True)
    assert "You cannot deactivate your own account." in response.content.decode()
    response = _edit(client, office, role="office", is_active="")
    assert response.status_code == 422
    office.refresh_from_db()
    assert office.is_active


def test_the_office_cannot_remove_its_own_office_role(client_for, office):
    response = _edit(client_for(office), office, role="executive")
    assert response.status_code == 422
    assert "You cannot remove your own office role" in response.content.decode()
    assert office.groups.filter(name="office").exists()


def test_saving_the_same_form_twice_writes_once(client_for, office, person, other_department):
    client = client_for(office)
    _edit(client, person, role="executive", departments=[other_department.pk])
    _edit(client, person, role="executive", departments=[other_department.pk])
    assert person.groups.count() == 1
    assert other_department.members.filter(pk=person.pk).count() == 1
    assert LogEntry.objects.filter(object_id=str(person.pk)).count() == 1


def test_a_reset_link_is_sent_to_a_user_with_a_password(client_for, office, person):
    person.last_login = timezone.now()
    person.save()
    response = client_for(office).post(reverse("organisation:user_reset", args=[person.pk]))
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["newcomer@stad.se"]
    assert "/accounts/password/reset/" in message.body


def test_a_pending_invitation_is_sent_again_instead_of_a_reset_link(client_for, office, person):
    person.set_unusable_password()
    person.save()
    client_for(office).post(reverse("organisation:user_reset", args=[person.pk]))
    [message] = mail.outbox
    assert "/accounts/invitation/" in message.body


def test_no_link_is_sent_to_a_user_without_an_email(client_for, office, person):
    User.objects.filter(pk=person.pk).update(email="")
    response = client_for(office).post(
        reverse("organisation:user_reset", args=[person.pk]), follow=True
    )
    assert "has no e-mail address" in response.content.decode()
    assert mail.outbox == []


def test_no_password_link_when_password_login_is_off(client_for, office, person, settings):
    settings.PASSWORD_LOGIN = False
    response = client_for(office).post(
        reverse("organisation:user_reset", args=[person.pk]), follow=True
    )
    assert "Password login is switched off" in response.content.decode()
    assert mail.outbox == []


def test_an_unknown_user_is_404(client_for, office):
    assert (
        client_for(office).get(reverse("organisation:user_edit", args=[999_999])).status_code == 404
    )
