"""The change history shown on an initiative's page: who changed which field, from what, to what."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from initiatives.models import Initiative, Lesson, ProgressUpdate
from organisation.history import FieldChange, HistoryEntry, user_name
from organisation.models import Department

HIDDEN_FIELDS = {"version", "id", "updated_at", "created_at"}


class _Display:
    """Turns stored values into what a person reads, with lookups done once for all records."""

    def __init__(self, model, records):
        self.model = model
        self.fields = {f.attname: f for f in model._meta.concrete_fields}
        department_ids, user_ids = set(), set()
        for record in records:
            if model is Initiative:
                department_ids.add(record.department_id)
                user_ids.add(record.owner_id)
        self.departments = (
            dict(Department.objects.filter(id__in=department_ids).values_list("id", "name"))
            if department_ids
            else {}
        )
        self.users = (
            {u.id: user_name(u) for u in get_user_model().objects.filter(id__in=user_ids - {None})}
            if user_ids - {None}
            else {}
        )

    def label(self, attname: str) -> str:
        return str(self.fields[attname].verbose_name).capitalize()

    def value(self, attname: str, value) -> str:
        model_field = self.fields[attname]
        if value in (None, ""):
            return "—"
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        if attname == "department_id":
            return self.departments.get(value, str(value))
        if attname == "owner_id":
            return self.users.get(value, str(value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return str(value)


def diff_records(display: _Display, old, new) -> list[FieldChange]:
    changes = []
    for attname in display.fields:
        if attname in HIDDEN_FIELDS:
            continue
        before, after = getattr(old, attname), getattr(new, attname)
        if before != after:
            changes.append(
                FieldChange(
                    display.label(attname),
                    display.value(attname, before),
                    display.value(attname, after),
                )
            )
    return changes


def values_changed_since(initiative: Initiative, version: int) -> list[FieldChange]:
    """What changed in the saved initiative since the given version (for an edit conflict)."""
    opened = initiative.history.filter(version=version).order_by("-history_date").first()
    if opened is None:
        return []
    display = _Display(Initiative, [opened, initiative])
    return diff_records(display, opened, initiative)


def initiative_history(initiative: Initiative) -> list[HistoryEntry]:
    """Every recorded change of the initiative, its progress updates and lessons, newest first.

    Five queries whatever the length of the history.
    """
    records = list(initiative.history.select_related("history_user").order_by("history_date"))
    display = _Display(Initiative, records)
    entries = []
    previous = None
    for record in records:
        if record.history_type == "+":
            entry = HistoryEntry(record.history_date, user_name(record.history_user), _("Created"))
        elif record.history_type == "-":
            entry = HistoryEntry(record.history_date, user_name(record.history_user), _("Deleted"))
        else:
            changes = diff_records(display, previous, record) if previous else []
            entry = HistoryEntry(
                record.history_date,
                user_name(record.history_user),
                _("Changed"),
                changes,
                record.history_change_reason or "",
            )
        entries.append(entry)
        previous = record
    child_models = [
        (
            ProgressUpdate,
            "summary",
            {
                "+": _("Progress update added"),
                "~": _("Progress update changed"),
                "-": _("Progress update deleted"),
            },
        ),
        (
            Lesson,
            "text",
            {"+": _("Lesson added"), "~": _("Lesson changed"), "-": _("Lesson deleted")},
        ),
    ]
    for model, text_field, verbs in child_models:
        for record in model.history.filter(initiative_id=initiative.pk).select_related(
            "history_user"
        ):
            entries.append(
                HistoryEntry(
                    record.history_date,
                    user_name(record.history_user),
                    verbs[record.history_type],
                    reason=getattr(record, text_field)[:120],
                )
            )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries
