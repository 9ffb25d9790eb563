"""One recorded change as a history page shows it, for initiatives and departments alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: dt.datetime
    who: str
    what: str
    changes: list[FieldChange] = field(default_factory=list)
    reason: str = ""


def user_name(user) -> str:
    """Who made a change, as a person reads it."""
    if user is None:
        return _("the system")
    return user.get_full_name() or user.username
