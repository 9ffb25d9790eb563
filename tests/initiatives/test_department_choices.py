"""An archived department is not offered for new initiatives, but an initiative keeps its own."""

from django.utils import timezone

from initiatives.forms import InitiativeForm
from organisation.models import Department
from tests.conftest import make_department, make_initiative


def test_an_archived_department_is_not_offered_for_a_new_initiative(office):
    in_use = make_department("Kulturförvaltningen", "KUL")
    make_department("Gamla IT-avdelningen", "GIT")
    Department.objects.filter(code="GIT").update(archived_at=timezone.now())
    form = InitiativeForm(user=office)
    assert list(form.fields["department"].queryset) == [in_use]


def test_an_initiative_of_an_archived_department_keeps_it_among_the_choices(office):
    old = make_department("Gamla IT-avdelningen", "GIT")
    initiative = make_initiative(old)
    Department.objects.filter(pk=old.pk).update(archived_at=timezone.now())
    form = InitiativeForm(instance=initiative, user=office)
    assert old in form.fields["department"].queryset


def test_a_head_of_one_department_finds_it_chosen_for_a_new_initiative(head, own_department):
    form = InitiativeForm(user=head)
    assert form["department"].value() == own_department.pk


def test_a_head_of_two_departments_chooses_one(head, own_department, other_department):
    other_department.members.add(head)
    head = type(head).objects.get(pk=head.pk)  # the departments are read once per request
    assert InitiativeForm(user=head)["department"].value() is None


def test_a_closed_initiative_shows_no_health_colour_in_the_list(client_for, office, head):
    from initiatives.models import Stage
    from tests.conftest import make_update

    closed = make_initiative(make_department(), ref="DIG-2026-900", stage=Stage.CLOSED)
    make_update(closed, head, health="red")
    page = client_for(office).get("/initiatives/?stage=closed").text
    row = page[page.index("DIG-2026-900") :].split("</tr>")[0]
    assert "<td>" in row and "health-red" not in row
