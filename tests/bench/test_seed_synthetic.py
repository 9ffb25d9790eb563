"""The synthetic portfolio of issue #7 (`manage.py seed_synthetic`): deterministic and consistent.

No timing here: the benchmark (make bench) measures; the tests only check the data.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from benefits.models import Benefit, Measurement
from benefits.services import benefit_refresh_latest
from initiatives.models import Initiative, Kind, ProgressUpdate, Stage
from organisation.models import Department
from portfolio.models import Alignment, CouncilGoal
from portfolio.synthetic import seed_synthetic

TODAY = dt.date(2026, 6, 15)
N = 30


def snapshot() -> dict:
    """Everything seeded, without database ids, in a stable order."""
    initiatives = list(
        Initiative.objects.order_by("ref").values_list(
            "ref", "title", "kind", "stage", "outcome", "department__code", "owner__username",
            "planned_start", "planned_end", "budget", "must_do", "tags", "archived_at",
        )
    )  # fmt: skip
    benefits = list(
        Benefit.objects.order_by("initiative__ref", "title").values_list(
            "initiative__ref", "title", "category", "unit", "direction", "frequency",
            "baseline_value", "baseline_date", "target_value", "target_date", "latest_value",
            "latest_measured_on",
        )
    )  # fmt: skip
    measurements = list(
        Measurement.objects.order_by("benefit__initiative__ref", "benefit__title", "date")
        .values_list("benefit__initiative__ref", "benefit__title", "date", "value", "delta")
    )  # fmt: skip
    updates = list(
        ProgressUpdate.objects.order_by("initiative__ref", "date", "health").values_list(
            "initiative__ref", "date", "health"
        )
    )
    alignments = list(
        Alignment.objects.order_by("initiative__ref", "goal__title").values_list(
            "initiative__ref", "goal__title", "score"
        )
    )
    return {
        "initiatives": [row[:-1] + (row[-1] is not None,) for row in initiatives],
        "benefits": benefits,
        "measurements": measurements,
        "updates": updates,
        "alignments": alignments,
    }


@pytest.fixture
def seeded(db) -> dict:
    return seed_synthetic(N, seed=11, today=TODAY)


def test_counts_and_shape(seeded):
    assert seeded["initiatives"] == N
    assert Initiative.objects.count() == N
    assert Department.objects.count() == 20
    assert CouncilGoal.objects.count() == 5
    benefits = Benefit.objects.count()
    assert 2 * N <= benefits <= 4 * N  # about 3 each
    assert 5 * benefits <= Measurement.objects.count() <= 11 * benefits  # about 8 each
    assert 3 * N <= ProgressUpdate.objects.count() <= 5 * N  # about 4 each
    # Every initiative has a score for every goal.
    assert Alignment.objects.count() == 5 * N
    per_initiative = Counter(Alignment.objects.values_list("initiative_id", flat=True))
    assert set(per_initiative.values()) == {5}
    assert Alignment.objects.filter(score__gt=5).count() == 0


def test_every_stage_and_kind(db):
    seed_synthetic(200, seed=11, today=TODAY)
    assert set(Initiative.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert set(Initiative.objects.values_list("kind", flat=True)) == set(Kind.values)
    # Closed initiatives have an outcome, the others none.
    assert not Initiative.objects.filter(stage=Stage.CLOSED, outcome="").exists()
    assert not Initiative.objects.exclude(stage=Stage.CLOSED).exclude(outcome="").exists()


def test_denormalised_figures_match_the_services(seeded):
    """latest_value / latest_measured_on and each delta are what benefit_refresh_latest keeps."""
    seeded_figures = {b.pk: (b.latest_value, b.latest_measured_on) for b in Benefit.objects.all()}
    seeded_deltas = dict(Measurement.objects.values_list("pk", "delta"))
    assert any(value is not None for value, _on in seeded_figures.values())
    for benefit in Benefit.objects.all():
        benefit_refresh_latest(benefit)
    refreshed = {b.pk: (b.latest_value, b.latest_measured_on) for b in Benefit.objects.all()}
    assert refreshed == seeded_figures
    assert dict(Measurement.objects.values_list("pk", "delta")) == seeded_deltas
    # Measurements are never in the future.
    assert not Measurement.objects.filter(date__gt=TODAY).exists()


def test_deterministic(db):
    seed_synthetic(N, seed=11, today=TODAY)
    first = snapshot()
    Initiative.objects.all().delete()
    seed_synthetic(N, seed=11, today=TODAY)
    assert snapshot() == first
    Initiative.objects.all().delete()
    seed_synthetic(N, seed=12, today=TODAY)
    assert snapshot() != first


def test_extending_gives_the_same_rows_as_seeding_at_once(db):
    seed_synthetic(N, seed=11, today=TODAY)
    at_once = snapshot()
    Initiative.objects.all().delete()
    seed_synthetic(10, seed=11, today=TODAY)
    created = seed_synthetic(N, seed=11, today=TODAY)
    assert created["initiatives"] == N - 10
    assert snapshot() == at_once


def test_initiatives_get_a_created_history_record(seeded):
    initiative = Initiative.objects.order_by("ref").first()
    assert [r.history_type for r in initiative.history.all()] == ["+"]


def test_command(db):
    out = StringIO()
    call_command(
        "seed_synthetic", "--initiatives", "12", "--seed", "3", "--today", "2026-06-15",
        stdout=out,
    )  # fmt: skip
    assert Initiative.objects.count() == 12
    assert "12 new initiatives" in out.getvalue()
