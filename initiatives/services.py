"""Writes that touch more than one row or model, each in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from initiatives.merge import RULE_FIELDS, comparable, initiative_rule_errors, three_way
from initiatives.models import (
    WEB_LINK,
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
    """Someone saved the initiative since the user opened the form, and changed a field the user
    changed too (or the version the form was opened on is unknown): nothing was written."""

    def __init__(
        self,
        current: Initiative,
        *,
        conflicts: list[str],
        yours: list[str],
        problems: list[str] | None = None,
    ):
        super().__init__("stale version")
        self.current = current
        # Fields both changed, to different values, or whose values together break a rule:
        # the user must choose.
        self.conflicts = conflicts
        # Every field the user changed, the conflicting ones included.
        self.yours = yours
        # The rules their values and yours would break together.
        self.problems = problems or []


class InitiativeArchived(Exception):
    """A write on an archived initiative: it is read-only until the office restores it."""

    def __init__(self, initiative: Initiative):
        super().__init__(
            _(
                "%(ref)s is archived, so it cannot be changed and nothing was saved. The office "
                "can restore it."
            )
            % {"ref": initiative.ref}
        )
        self.initiative = initiative


def initiative_for_change(initiative: Initiative) -> Initiative:
    """The initiative's row, fresh and locked until the transaction ends; refused when archived.

    Every write on an initiative or on what belongs to it (stage changes, decisions, progress
    updates, lessons) takes the initiative through here, so an archived one stays read-only
    whichever way the write comes: a page opened before it was archived, a proposal still
    waiting, a forged post. Call it inside a transaction.
    """
    locked = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if locked.is_archived:
        raise InitiativeArchived(locked)
    return locked


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


@dataclass(frozen=True)
class EditSaved:
    initiative: Initiative
    # Someone else saved in between, and their changes were merged with the user's.
    merged: bool = False
    # The fields they changed, which the user did not, kept as they saved them.
    kept_theirs: list[str] = field(default_factory=list)


def _values(source, fields) -> dict:
    return {f.name: comparable(getattr(source, f.attname)) for f in fields}


@transaction.atomic
def initiative_update(
    *, initiative: Initiative, values: Mapping[str, object], opened_version: int, by
) -> EditSaved:
    """Save the user's values, merged three ways with whatever was saved since they opened it.

    `values` maps each field the user's form sets to its value (a field left out keeps what is
    saved); `opened_version` is the version the form was opened on, whose history record is the
    base of the merge. A field only the user changed takes their value, a field only someone else
    changed keeps its saved value, and a field both changed raises EditConflict and nothing is
    written until the user chooses. The row is locked, so two saves cannot both merge against
    the same version.
    """
    current = initiative_for_change(initiative)
    fields = [Initiative._meta.get_field(name) for name in values]
    theirs = _values(current, fields)
    if opened_version == current.version:
        base = theirs
    else:
        opened = (
            current.history.filter(version=opened_version)
            .order_by("-history_date", "-history_id")
            .first()
        )
        base = _values(opened, fields) if opened is not None else None
    yours = {name: comparable(value) for name, value in values.items()}
    merge = three_way(base=base, theirs=theirs, yours=yours)
    changed = [name for name in values if name in merge.yours or name in merge.conflicts]
    if merge.conflicts:
        raise EditConflict(current, conflicts=merge.conflicts, yours=changed)
    rule_fields = [
        Initiative._meta.get_field(name) for names in RULE_FIELDS.values() for name in names
    ]
    problems = initiative_rule_errors({**_values(current, rule_fields), **merge.yours})
    if problems:
        # Yours and theirs each kept the rules, but not together (your start after their new
        # end): the fields in the broken rules where the two differ are the user's to choose.
        involved = {name for field in problems for name in RULE_FIELDS[field]}
        conflicts = [name for name in values if name in involved and yours[name] != theirs[name]]
        raise EditConflict(
            current,
            conflicts=conflicts,
            yours=[name for name in values if name in changed or name in conflicts],
            problems=list(problems.values()),
        )
    for f in fields:
        if f.name in merge.yours:
            setattr(current, f.attname, merge.yours[f.name])
    merged = current.version != opened_version
    current.version += 1
    current._history_user = by
    current.save(update_fields=[*merge.yours, "version", "updated_at"])
    return EditSaved(current, merged=merged, kept_theirs=merge.theirs)


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
    registry_number: str = "",
    minutes_url: str = "",
) -> StageChange:
    """The office changes a stage directly; recorded as an applied stage change, with the
    decision's registry number and minutes when it was a committee's."""
    record = _decision_record(registry_number, minutes_url)
    initiative = initiative_for_change(initiative)
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
        **record,
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
    initiative = initiative_for_change(initiative)
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


def _decision_record(registry_number: str, minutes_url: str) -> dict[str, str]:
    """The registry number and minutes link as stored; a link that is not http(s) is refused
    here too, whatever called."""
    minutes_url = minutes_url.strip()
    if minutes_url:
        WEB_LINK(minutes_url)
    return {"registry_number": registry_number.strip(), "minutes_url": minutes_url}


@transaction.atomic
def stage_decide(
    *,
    change: StageChange,
    approve: bool,
    comment: str,
    by,
    registry_number: str = "",
    minutes_url: str = "",
) -> StageChange:
    """The office approves (and applies) or declines a pending proposal, with the decision's
    registry number and a link to the minutes when there are."""
    record = _decision_record(registry_number, minutes_url)
    change = StageChange.objects.select_for_update().select_related("initiative").get(pk=change.pk)
    if change.status != StageChangeStatus.PROPOSED:
        raise StageRuleError(_("This proposal has already been decided."))
    # Declining writes to the initiative's record too: an archived one waits until restored.
    initiative = initiative_for_change(change.initiative)
    if approve and initiative.stage != change.from_stage:
        raise StageRuleError(
            _("The stage has changed since the proposal was made; decline it and ask again.")
        )
    change.status = StageChangeStatus.APPROVED if approve else StageChangeStatus.DECLINED
    change.decided_by = by
    change.decided_at = timezone.now()
    change.decision_comment = comment
    change.registry_number, change.minutes_url = record["registry_number"], record["minutes_url"]
    change.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_comment",
            "registry_number",
            "minutes_url",
        ]
    )
    if approve:
        _apply_stage(initiative, change, by)
    return change


@transaction.atomic
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
        initiative=initiative_for_change(initiative),
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
def lesson_create(
    *, initiative: Initiative, by, kind: str, text: str, date: dt.date | None = None
) -> Lesson:
    lesson = Lesson(
        initiative=initiative_for_change(initiative),
        kind=kind,
        text=text,
        date=date or timezone.localdate(),
        author=by,
    )
    lesson._history_user = by
    lesson.save()
    return lesson


@transaction.atomic
def initiative_archive(*, initiative: Initiative, by) -> Initiative:
    # The version is bumped from the locked row, never from a copy loaded earlier, so each
    # version names one state (an edit form's merge looks its base up by version).
    current = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if current.is_archived:
        return current
    current.archived_at = timezone.now()
    current.version += 1
    current._history_user = by
    current.save(update_fields=["archived_at", "version", "updated_at"])
    return current


@transaction.atomic
def initiative_restore(*, initiative: Initiative, by) -> Initiative:
    current = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if not current.is_archived:
        return current
    current.archived_at = None
    current.version += 1
    current._history_user = by
    current.save(update_fields=["archived_at", "version", "updated_at"])
    return current
