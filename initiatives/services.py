"""Writes that touch more than one row or model, each in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from initiatives.models import (
    Initiative,
    Lesson,
    LessonKind,
    Outcome,
    ProgressUpdate,
    Stage,
    StageChange,
    StageChangeStatus,
)

REF_PREFIX = "DIG"


class StageRuleError(Exception):
    """A stage change that breaks a rule of the stage gates."""


class EditConflict(Exception):
    """The initiative changed since the user opened the form."""

    def __init__(self, current: Initiative):
        super().__init__("stale version")
        self.current = current


def next_ref(year: int | None = None) -> str:
    """The next free reference of the form DIG-<year>-<nnn>."""
    year = year or timezone.localdate().year
    prefix = f"{REF_PREFIX}-{year}-"
    numbers = [
        int(ref.removeprefix(prefix))
        for ref in Initiative.objects.filter(ref__startswith=prefix).values_list("ref", flat=True)
        if ref.removeprefix(prefix).isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def initiative_create(*, initiative: Initiative, by) -> Initiative:
    """Save a new initiative, generating its ref when left blank.

    Two people creating at once could draw the same number; the unique constraint catches it and
    we draw again.
    """
    generated = not initiative.ref
    for _attempt in range(5):
        if generated:
            initiative.ref = next_ref()
        try:
            with transaction.atomic():
                initiative.version = 1
                initiative._history_user = by
                initiative.save()
            return initiative
        except IntegrityError:
            if not generated:
                raise
    raise IntegrityError("could not generate a unique reference")


@transaction.atomic
def initiative_update(*, initiative: Initiative, fields: list[str], by) -> Initiative:
    """Save the edited fields unless someone saved in between (then raise EditConflict).

    `initiative.version` is the version the user's form was opened at. The row is locked so two
    concurrent saves cannot both pass the check.
    """
    current = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if current.version != initiative.version:
        raise EditConflict(current)
    initiative.version = current.version + 1
    initiative._history_user = by
    initiative.save(update_fields=[*fields, "version", "updated_at"])
    return initiative


def _apply_stage(initiative: Initiative, change: StageChange, by) -> None:
    initiative.stage = change.to_stage
    initiative.outcome = change.outcome if change.to_stage == Stage.CLOSED else ""
    initiative.version += 1
    initiative._history_user = by
    initiative._change_reason = change.reason[:100]
    initiative.save(update_fields=["stage", "outcome", "version", "updated_at"])
    if change.lesson_text:
        Lesson.objects.create(
            initiative=initiative,
            kind=LessonKind.DID_NOT_WORK
            if change.outcome == Outcome.STOPPED
            else LessonKind.ADVICE,
            text=change.lesson_text,
            author=change.proposed_by,
        )


# Leaving a pilot to go further needs evidence that it delivers.
EVIDENCE_NEEDED = {(Stage.PILOT, Stage.SCALING), (Stage.PILOT, Stage.OPERATION)}


def has_evidence(initiative: Initiative) -> bool:
    """At least one benefit with at least one measurement."""
    from benefits.models import Measurement

    return Measurement.objects.filter(benefit__initiative=initiative).exists()


def check_stage_rules(
    *,
    initiative: Initiative,
    to_stage: str,
    outcome: str,
    lesson_text: str,
    override_justification: str = "",
    may_override: bool = False,
) -> None:
    if (initiative.stage, to_stage) in EVIDENCE_NEEDED and not has_evidence(initiative):
        if not may_override:
            raise StageRuleError(
                _(
                    "Leaving the pilot stage needs evidence: at least one benefit with at "
                    "least one measurement. Record a measurement first, or ask the office."
                )
            )
        if not override_justification.strip():
            raise StageRuleError(
                _(
                    "Leaving the pilot stage needs evidence: at least one benefit with at "
                    "least one measurement. To go ahead without it, write a justification "
                    "for the override."
                )
            )
    if to_stage == initiative.stage:
        raise StageRuleError(_("The initiative is already at this stage."))
    if to_stage == Stage.CLOSED and outcome not in Outcome.values:
        raise StageRuleError(_("Say whether the initiative was completed or stopped."))
    if to_stage == Stage.CLOSED and outcome == Outcome.STOPPED and not lesson_text.strip():
        raise StageRuleError(
            _("Closing as stopped needs a lesson learned: a stopped pilot is a result too.")
        )


@transaction.atomic
def stage_change(
    *,
    initiative: Initiative,
    to_stage: str,
    reason: str,
    by,
    outcome: str = "",
    lesson_text: str = "",
    override_justification: str = "",
) -> StageChange:
    """The office changes a stage directly; recorded as an applied stage change."""
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    check_stage_rules(
        initiative=initiative,
        to_stage=to_stage,
        outcome=outcome,
        lesson_text=lesson_text,
        override_justification=override_justification,
        may_override=True,
    )
    if (initiative.stage, to_stage) not in EVIDENCE_NEEDED or has_evidence(initiative):
        # A justification is recorded only when it overrode the evidence rule.
        override_justification = ""
    now = timezone.now()
    change = StageChange.objects.create(
        initiative=initiative,
        from_stage=initiative.stage,
        to_stage=to_stage,
        outcome=outcome if to_stage == Stage.CLOSED else "",
        reason=reason,
        lesson_text=lesson_text,
        override_justification=override_justification,
        status=StageChangeStatus.APPLIED,
        proposed_by=by,
        proposed_at=now,
        decided_by=by,
        decided_at=now,
    )
    _apply_stage(initiative, change, by)
    return change


@transaction.atomic
def stage_propose(
    *,
    initiative: Initiative,
    to_stage: str,
    reason: str,
    by,
    outcome: str = "",
    lesson_text: str = "",
) -> StageChange:
    """A department head proposes a stage change for the office to decide."""
    # Locked so two proposals sent at once cannot both pass the one-pending check.
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    check_stage_rules(
        initiative=initiative, to_stage=to_stage, outcome=outcome, lesson_text=lesson_text
    )
    if initiative.stage_changes.filter(status=StageChangeStatus.PROPOSED).exists():
        raise StageRuleError(_("A proposal for this initiative is already waiting for a decision."))
    return StageChange.objects.create(
        initiative=initiative,
        from_stage=initiative.stage,
        to_stage=to_stage,
        outcome=outcome if to_stage == Stage.CLOSED else "",
        reason=reason,
        lesson_text=lesson_text,
        status=StageChangeStatus.PROPOSED,
        proposed_by=by,
    )


@transaction.atomic
def stage_decide(*, change: StageChange, approve: bool, comment: str, by) -> StageChange:
    """The office approves (and applies) or declines a pending proposal."""
    change = StageChange.objects.select_for_update().select_related("initiative").get(pk=change.pk)
    if change.status != StageChangeStatus.PROPOSED:
        raise StageRuleError(_("This proposal has already been decided."))
    initiative = Initiative.objects.select_for_update().get(pk=change.initiative_id)
    if approve and initiative.stage != change.from_stage:
        raise StageRuleError(
            _("The stage has changed since the proposal was made; decline it and ask again.")
        )
    change.status = StageChangeStatus.APPROVED if approve else StageChangeStatus.DECLINED
    change.decided_by = by
    change.decided_at = timezone.now()
    change.decision_comment = comment
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    if approve:
        _apply_stage(initiative, change, by)
    return change


def progress_update_create(
    *,
    initiative: Initiative,
    by,
    health: str,
    summary: str,
    next_steps: str = "",
    blockers: str = "",
    date: dt.date | None = None,
) -> ProgressUpdate:
    update = ProgressUpdate(
        initiative=initiative,
        health=health,
        summary=summary,
        next_steps=next_steps,
        blockers=blockers,
        date=date or timezone.localdate(),
        author=by,
    )
    update._history_user = by
    update.save()
    return update


@transaction.atomic
def initiative_archive(*, initiative: Initiative, by) -> Initiative:
    initiative.archived_at = timezone.now()
    initiative.version += 1
    initiative._history_user = by
    initiative.save(update_fields=["archived_at", "version", "updated_at"])
    return initiative


@transaction.atomic
def initiative_restore(*, initiative: Initiative, by) -> Initiative:
    initiative.archived_at = None
    initiative.version += 1
    initiative._history_user = by
    initiative.save(update_fields=["archived_at", "version", "updated_at"])
    return initiative


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: object
    new: object
