"""Writes to departments and users: one keyword-only, atomic function each.

Every write to departments queues on the organisation's one row first (`_lock_departments`), so two
people saving at once, or one form sent twice, run one after the other and the second sees what the
first wrote: a name or code checked free stays free until the save, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from organisation.models import Department, Organisation

# simple-history's change reason column holds 100 characters.
REASON_LENGTH = 100


class DepartmentRefused(Exception):
    """A department write that the rules forbid; the message says why, and nothing was written.

    `field` names the form field the message belongs to, when there is one."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def _lock_departments() -> None:
    # A first department has no row to lock yet, so writers queue on the organisation's row.
    Organisation.locked()


def _check_free(*, name: str, code: str, exclude_pk: int | None = None) -> None:
    """Refuse a name or code another department has, whatever the letter case.

    Compared in Python: SQLite folds the case of ASCII letters only (Ö and ö would differ), and a
    municipality has hundreds of departments at most."""
    others = Department.objects.exclude(pk=exclude_pk).values_list("name", "code")
    for other_name, other_code in others:
        if other_code.casefold() == code.casefold():
            raise DepartmentRefused(
                _("The code %(code)s is already used by %(name)s.")
                % {"code": other_code, "name": other_name},
                field="code",
            )
        if other_name.casefold() == name.casefold():
            raise DepartmentRefused(
                _("There is already a department called “%(name)s”.") % {"name": other_name},
                field="name",
            )


def _check_parent(department: Department | None, parent: Department | None) -> None:
    """One level only: a unit (enhet) belongs to a top-level department (förvaltning)."""
    if parent is None:
        return
    if department is not None and department.pk == parent.pk:
        raise DepartmentRefused(_("A department cannot be part of itself."), field="parent")
    if parent.parent_id is not None:
        raise DepartmentRefused(
            _("%(name)s is itself part of another department; choose a top-level department.")
            % {"name": parent.name},
            field="parent",
        )
    if parent.is_archived:
        raise DepartmentRefused(
            _("%(name)s is archived; choose a department in use.") % {"name": parent.name},
            field="parent",
        )
    if department is not None and department.pk and department.units.exists():
        raise DepartmentRefused(
            _("This department has units of its own, so it cannot be part of another one."),
            field="parent",
        )


@transaction.atomic
def department_create(*, name: str, code: str, by, parent: Department | None = None) -> Department:
    """A new department; the name and code are trimmed, the code upper-cased.

    Raises DepartmentRefused when another department has the name or code (in any letter case),
    or the parent is not a top-level department in use."""
    name, code = name.strip(), code.strip().upper()
    _lock_departments()
    _check_free(name=name, code=code)
    if parent is not None:
        parent = Department.objects.get(pk=parent.pk)
    _check_parent(None, parent)
    department = Department(name=name, code=code, parent=parent)
    department._history_user = by
    department.save()
    return department


@transaction.atomic
def department_update(
    *, department: Department, name: str, code: str, parent: Department | None, by
) -> Department:
    """Rename, recode or move a department. Saving what is stored (a form sent twice) writes
    nothing, so the history has one record per real change."""
    name, code = name.strip(), code.strip().upper()
    _lock_departments()
    current = Department.objects.get(pk=department.pk)
    if parent is not None:
        parent = Department.objects.get(pk=parent.pk)
    parent_id = parent.pk if parent else None
    if (current.name, current.code, current.parent_id) == (name, code, parent_id):
        return current
    _check_free(name=name, code=code, exclude_pk=current.pk)
    if parent_id != current.parent_id:
        _check_parent(current, parent)
    current.name, current.code, current.parent = name, code, parent
    current._history_user = by
    current.save(update_fields=["name", "code", "parent"])
    return current


@transaction.atomic
def department_archive(*, department: Department, by) -> Department:
    """Archive a department: hidden from choices, its initiatives and history kept. Never a
    delete. Refused while units still in use belong to it."""
    _lock_departments()
    current = Department.objects.get(pk=department.pk)
    if current.is_archived:
        raise DepartmentRefused(_("%(name)s is already archived.") % {"name": current.name})
    if units := list(current.units.active().values_list("name", flat=True)):
        raise DepartmentRefused(
            _("%(name)s still has units in use (%(units)s): archive or move them first.")
            % {"name": current.name, "units": ", ".join(units)}
        )
    current.archived_at = timezone.now()
    current._history_user = by
    current.save(update_fields=["archived_at"])
    return current


@transaction.atomic
def department_restore(*, department: Department, by) -> Department:
    """Bring an archived department back into use."""
    _lock_departments()
    current = Department.objects.get(pk=department.pk)
    if not current.is_archived:
        raise DepartmentRefused(_("%(name)s is not archived.") % {"name": current.name})
    current.archived_at = None
    current._history_user = by
    current.save(update_fields=["archived_at"])
    return current


@dataclass(frozen=True)
class MergePlan:
    """What a merge would move: shown on the confirm step, before anything moves."""

    source: Department
    target: Department
    initiatives: int
    archived_initiatives: int
    members: int
    members_already_in_target: int
    units: int


def _merge_refusal(source: Department, target: Department) -> str | None:
    if source.pk == target.pk:
        return _("A department cannot be merged into itself.")
    if source.is_archived:
        return _("%(name)s is archived (perhaps it has just been merged); nothing was moved.") % {
            "name": source.name
        }
    if target.is_archived:
        return _("%(name)s is archived; merge into a department in use.") % {"name": target.name}
    if target.parent_id is not None and source.units.exists():
        return _(
            "%(source)s has units, and %(target)s is itself a unit: units can only belong to a "
            "top-level department."
        ) % {"source": source.name, "target": target.name}
    if target.parent_id == source.pk:
        return _("%(target)s is a unit of %(source)s; move it out first.") % {
            "source": source.name,
            "target": target.name,
        }
    return None


def department_merge_plan(*, source: Department, target: Department) -> MergePlan:
    """Count what `department_merge` would move; raise DepartmentRefused if it would refuse."""
    if refusal := _merge_refusal(source, target):
        raise DepartmentRefused(refusal, field="target")
    member_ids = set(source.members.values_list("id", flat=True))
    already = set(target.members.filter(id__in=member_ids).values_list("id", flat=True))
    initiatives = source.initiatives.all()
    return MergePlan(
        source=source,
        target=target,
        initiatives=initiatives.count(),
        archived_initiatives=initiatives.filter(archived_at__isnull=False).count(),
        members=len(member_ids),
        members_already_in_target=len(already),
        units=source.units.count(),
    )


def _reason(text: str) -> str:
    return text if len(text) <= REASON_LENGTH else text[: REASON_LENGTH - 1] + "…"


@transaction.atomic
def department_merge(*, source: Department, target: Department, by) -> MergePlan:
    """Merge `source` into `target`: every initiative, member and unit moves, and the source is
    archived. Both rows are locked first; a second merge of the same source (the form sent
    twice) finds it archived and is refused, so nothing moves twice.

    History: each moved initiative gets a record of its department change (by whom, why) with
    its version bumped, so an edit opened before the merge merges with it instead of moving the
    initiative back; the target records the members it gained, and the source records that it
    was merged into the target and archived.
    """
    from initiatives.models import Initiative

    _lock_departments()
    locked = {
        d.pk: d
        for d in Department.objects.select_for_update()
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    plan = department_merge_plan(source=source, target=target)
    now = timezone.now()

    moving = Initiative.objects.filter(department_id=source.pk)
    moved_ids = list(moving.values_list("pk", flat=True))
    moving.update(department_id=target.pk, version=F("version") + 1, updated_at=now)
    from portfolio import figures

    figures.refresh_if_fresh(moved_ids)  # the update sends no signals
    reason = _reason(
        _("Department merged: %(source)s into %(target)s")
        % {
            "source": source.code,
            "target": target.code,
        }
    )
    Initiative.history.bulk_history_create(
        list(Initiative.objects.filter(pk__in=moved_ids)),
        batch_size=500,
        update=True,
        default_user=by,
        default_change_reason=reason,
        default_date=now,
    )
    for unit in source.units.all():
        unit.parent = target
        unit._history_user = by
        unit._change_reason = reason
        unit.save(update_fields=["parent"])

    member_ids = list(source.members.values_list("id", flat=True))
    # The m2m changes write no history of their own: each department gets one record below,
    # which holds its members as they are after the merge.
    target.skip_history_when_saving = source.skip_history_when_saving = True
    target.members.add(*member_ids)
    source.members.clear()
    del target.skip_history_when_saving, source.skip_history_when_saving

    target._history_user = source._history_user = by
    target._change_reason = _reason(
        _("%(source)s merged into this department")
        % {
            "source": f"{source.name} ({source.code})",
        }
    )
    # Django skips a save with no fields at all; the name, unchanged, gives the history record.
    target.save(update_fields=["name"])
    source.archived_at = now
    source._change_reason = _reason(
        _("Merged into %(target)s")
        % {
            "target": f"{target.name} ({target.code})",
        }
    )
    source.save(update_fields=["archived_at"])
    return plan
