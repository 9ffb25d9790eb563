"""Benefits, measurements and goal scores of an archived initiative are read-only too: the pages
refuse them by permission, and the services refuse what slips past (a write racing the archive)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from benefits import services
from benefits.models import Benefit, Measurement
from initiatives.services import InitiativeArchived, initiative_archive
from portfolio import services as portfolio_services
from portfolio.models import Alignment, CouncilGoal
from tests.benefits.factories import make_benefit, measure


@pytest.fixture
def archived_benefit(office, own_initiative) -> Benefit:
    benefit = make_benefit(own_initiative)
    measure(benefit, timezone.localdate() - dt.timedelta(days=1), 10, office)
    initiative_archive(initiative=own_initiative, by=office)
    return benefit


def test_no_measurement_is_recorded_for_an_archived_initiative(office, archived_benefit):
    with pytest.raises(InitiativeArchived):
        services.measurement_create(
            benefit=archived_benefit, date=timezone.localdate(), value=Decimal("20"), by=office
        )
    assert Measurement.objects.count() == 1


def test_no_measurement_is_deleted_from_an_archived_initiative(office, archived_benefit):
    with pytest.raises(InitiativeArchived):
        services.measurement_delete(measurement=Measurement.objects.get(), by=office)
    assert Measurement.objects.count() == 1


def test_a_benefit_of_an_archived_initiative_is_not_saved(office, archived_benefit):
    archived_benefit.title = "Renamed"
    with pytest.raises(InitiativeArchived):
        services.benefit_save(benefit=archived_benefit, by=office)
    assert Benefit.objects.get().title == "Freed staff hours"


def test_a_goal_score_of_an_archived_initiative_is_not_saved(office, archived_benefit):
    goal = CouncilGoal.objects.create(title="Grön stad", weight=1)
    with pytest.raises(InitiativeArchived):
        portfolio_services.alignment_set(
            initiative=archived_benefit.initiative, goal=goal, score=4, by=office
        )
    assert not Alignment.objects.exists()
