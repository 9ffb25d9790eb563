"""Writes to council goals and goal scores (alignments).

Like benefits.services, each write locks a parent row first (`lock_rows`), so two people saving at
once, or one form sent twice, queue instead of racing: the second sees what the first wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from benefits.models import PortfolioSetting
from benefits.services import lock_rows, same_as_stored
from initiatives.models import Initiative
from initiatives.services import initiative_for_change
from portfolio.models import Alignment, CouncilGoal


class GoalTitleTaken(Exception):
    """Another goal has that title: most often the same form sent twice."""

    def __init__(self, existing: CouncilGoal):
        self.existing = existing
        super().__init__(
            _("There is already a goal called “%(title)s”.") % {"title": existing.title}
        )


def _lock_goals() -> None:
    # The goals have no parent row, and a first goal has no row to lock yet: writers of goals
    # queue on the portfolio's settings row instead (the hourly rate lives there too).
    lock_rows(PortfolioSetting.objects.filter(pk=1))
    PortfolioSetting.current()  # creates the row if this is the very first write


def _score_of(initiative: Initiative, goal: CouncilGoal) -> Alignment | None:
    return Alignment.objects.filter(initiative=initiative, goal=goal).first()


@transaction.atomic
def alignment_set(
    *, initiative: Initiative, goal: CouncilGoal, score: int, reason: str = "", by
) -> Alignment:
    """Set the initiative's score for the goal, creating it the first time.

    Two people scoring at once: the later save wins, as with any edit of a score. Sent twice:
    one change in the history.
    """
    initiative_for_change(initiative)  # locked; refused when archived meanwhile
    alignment = _score_of(initiative, goal)
    if alignment is None:
        alignment = Alignment(initiative=initiative, goal=goal, score=score, reason=reason)
        alignment.updated_by = by
        alignment._history_user = by
        try:
            # A writer that does not take the lock (an import) may have inserted it meanwhile.
            with transaction.atomic():
                alignment.save()
            return alignment
        except IntegrityError:
            alignment = _score_of(initiative, goal)
            if alignment is None:
                raise
    if (alignment.score, alignment.reason) == (score, reason):
        return alignment
    alignment.score, alignment.reason, alignment.updated_by = score, reason, by
    alignment._history_user = by
    alignment.save()
    return alignment


@transaction.atomic
def goal_save(*, goal: CouncilGoal, by) -> CouncilGoal:
    """Add or change a goal; raise GoalTitleTaken when another goal has the title. Saving what
    is already stored (the form sent twice) writes nothing."""
    _lock_goals()
    if same_as_stored(goal):
        return goal
    if existing := CouncilGoal.objects.filter(title=goal.title).exclude(pk=goal.pk).first():
        raise GoalTitleTaken(existing)
    goal._history_user = by
    goal.save()
    return goal


@transaction.atomic
def goal_weights_set(*, goals: Sequence[CouncilGoal], weights: Sequence[Decimal], by) -> None:
    """Give the goals these weights (from AHP); a goal whose weight is already that is left
    alone, so the same form sent twice records one change per goal, not two."""
    _lock_goals()
    current = CouncilGoal.objects.in_bulk([goal.pk for goal in goals])
    for goal, weight in zip(goals, weights, strict=True):
        stored = current.get(goal.pk)
        if stored is None or stored.weight == Decimal(str(weight)):
            continue
        stored.weight = weight
        stored._history_user = by
        stored.save(update_fields=["weight"])
