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
