"""A user's change history as the office reads it: who changed their name, e-mail, role or state."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils.translation import gettext as _

from organisation.history import FieldChange, HistoryEntry, user_name
from organisation.permissions import ROLES
from organisation.users import ROLE_LABELS

SHOWN_FIELDS = ("first_name", "last_name", "email", "is_active")


def user_history(person) -> list[HistoryEntry]:
    """Every recorded change of the user, newest first; three queries whatever its length."""
    records = list(person.history.select_related("history_user").order_by("history_date"))
    through = apps.get_model("organisation", "HistoricalUser_groups")
    groups_of: dict[int, set[int]] = {record.history_id: set() for record in records}
    for history_id, group_id in through.objects.filter(history_id__in=list(groups_of)).values_list(
        "history_id", "group_id"
    ):
        groups_of[history_id].add(group_id)
    role_names = dict(Group.objects.filter(name__in=ROLES).values_list("pk", "name"))
    fields = {name: get_user_model()._meta.get_field(name) for name in SHOWN_FIELDS}

    def role(record) -> str:
        names = [role_names[pk] for pk in groups_of[record.history_id] if pk in role_names]
        return ", ".join(sorted(str(ROLE_LABELS[name]) for name in names)) or str(ROLE_LABELS[""])

    def shown(value) -> str:
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return str(value) if value not in (None, "") else "—"

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
                    entry.changes.append(FieldChange(label, shown(before), shown(after)))
            if role(previous) != role(record):
                entry.changes.append(FieldChange(_("Role"), role(previous), role(record)))
            if not entry.changes:
                previous = record
                continue
        entries.append(entry)
        previous = record
    return entries[::-1]
