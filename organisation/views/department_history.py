"""A department's change history as a person reads it: who changed which field, or which members
joined or left, when, and why (a merge says so)."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from organisation.history import FieldChange, HistoryEntry, user_name
from organisation.models import Department

SHOWN_FIELDS = ("name", "code", "parent_id", "archived_at")


def department_history(department: Department) -> list[HistoryEntry]:
    """Every recorded change of the department, newest first; four queries whatever its length."""
    records = list(department.history.select_related("history_user").order_by("history_date"))
    memberships = apps.get_model("organisation", "HistoricalDepartment_members")
    members_of: dict[int, set[int]] = {record.history_id: set() for record in records}
    for history_id, user_id in memberships.objects.filter(
        history_id__in=list(members_of)
    ).values_list("history_id", "user_id"):
        members_of[history_id].add(user_id)
    user_ids = set().union(*members_of.values()) if members_of else set()
    users = {user.pk: user_name(user) for user in get_user_model().objects.filter(pk__in=user_ids)}
    parent_ids = {record.parent_id for record in records} - {None}
    parents = dict(Department.objects.filter(pk__in=parent_ids).values_list("pk", "name"))
    fields = {name: Department._meta.get_field(name.removesuffix("_id")) for name in SHOWN_FIELDS}

    def shown(name: str, value) -> str:
        if value in (None, ""):
            return "—"
        if name == "parent_id":
            return parents.get(value, str(value))
        if isinstance(value, dt.datetime):
            return date_format(localtime(value), "SHORT_DATETIME_FORMAT")
        return str(value)

    def names(ids: set[int]) -> str:
        return ", ".join(sorted(users.get(pk, str(pk)) for pk in ids))

    entries, previous = [], None
    for record in records:
        who = user_name(record.history_user)
        if record.history_type == "+" or previous is None:
            entry = HistoryEntry(record.history_date, who, _("Created"))
        else:
            entry = HistoryEntry(record.history_date, who, _("Changed"))
            for name in SHOWN_FIELDS:
                before, after = getattr(previous, name), getattr(record, name)
                if before != after:
                    label = str(fields[name].verbose_name).capitalize()
                    entry.changes.append(
                        FieldChange(label, shown(name, before), shown(name, after))
                    )
            joined = members_of[record.history_id] - members_of[previous.history_id]
            left = members_of[previous.history_id] - members_of[record.history_id]
            if joined:
                entry.changes.append(FieldChange(_("Members joined"), "—", names(joined)))
            if left:
                entry.changes.append(FieldChange(_("Members left"), names(left), "—"))
        entry.reason = record.history_change_reason or ""
        entries.append(entry)
        previous = record
    entries.reverse()
    return entries
