"""Three-way merge of an edit that was opened before someone else saved.

Plain functions over plain values (no database queries), so the rules can be tested on their own:
base is what the user saw when the form was opened, theirs is what is saved now, yours is what the
user posted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from initiatives.models import Kind


@dataclass
class Merge:
    """What to write, and what the user must decide, for each field they posted."""

    # Fields only the user changed: their value is written.
    yours: dict[str, Any] = field(default_factory=dict)
    # Fields only the other person changed: the saved value stays.
    theirs: list[str] = field(default_factory=list)
    # Fields both changed, to different values: nothing is written until the user chooses.
    conflicts: list[str] = field(default_factory=list)


def comparable(value: Any) -> Any:
    """A value in the form two sources can be compared in: a related object by its key, a set of
    related objects as a frozenset of keys, text without the line-ending and edge-whitespace
    differences a browser's textarea and a form's strip() introduce."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if hasattr(value, "_meta") and hasattr(value, "pk"):
        return value.pk
    if isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        return frozenset(comparable(item) for item in value)
    return value


def three_way(
    *, base: Mapping[str, Any] | None, theirs: Mapping[str, Any], yours: Mapping[str, Any]
) -> Merge:
    """Merge the fields in `yours` against `base` and `theirs`, all given as comparable values.

    base None means the version the form was opened on is not known: then every field where
    yours and theirs differ may have been changed by both, and is left for the user to choose.
    A field where yours equals theirs needs nothing, whoever changed it.
    """
    merge = Merge()
    for name, mine in yours.items():
        saved = theirs[name]
        if mine == saved:
            continue
        if base is None:
            merge.conflicts.append(name)
        elif mine == base[name]:
            merge.theirs.append(name)
        elif saved == base[name]:
            merge.yours[name] = mine
        else:
            merge.conflicts.append(name)
    return merge


# The rules that tie an initiative's fields together: the field an error is shown on, and every
# field that takes part in it.
RULE_FIELDS = {
    "planned_end": ("planned_start", "planned_end"),
    "hypothesis": ("kind", "hypothesis"),
}


def initiative_rule_errors(values: Mapping[str, Any]) -> dict[str, str]:
    """Errors of the rules between an initiative's fields, by the field they are shown on.

    The edit form checks them on what was posted; the merge on what would be saved, since a
    value of yours beside a value of theirs can break a rule neither broke alone.
    """
    errors = {}
    start, end = values.get("planned_start"), values.get("planned_end")
    if start and end and end < start:
        errors["planned_end"] = _("The planned end cannot be before the planned start.")
    if values.get("kind") == Kind.PILOT and not (values.get("hypothesis") or "").strip():
        errors["hypothesis"] = _("A pilot needs a hypothesis: what should it show, and how?")
    return errors
