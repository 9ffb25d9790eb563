""" "Requires" links and groups of alternatives: what the budget selection reads, and their writes.

Reads (for the solver and the ranking): `constraints_for` and `labels_for`, a constant number of
queries whatever the number of candidates. Writes (for the initiative page): keyword-only,
atomic, refused with a ValidationError keyed on the form's field.

Decisions (DESIGN.md, "Prioritisation economics"):

- "Already in operation" means stage operation and not archived. A link to such an initiative is
  satisfied and dropped. A link to an initiative that is neither a candidate nor in operation
  (an idea left out by the filters, closed whether completed or stopped, archived) blocks the
  initiative that requires it, and everything that requires that one, transitively.
- A group with a member in operation has made its choice: its other candidate members are
  blocked (`taken_alternative`, folded into `blocked`).
- A group constrains only when two or more of its members are candidates and not blocked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.utils.translation import gettext as _

from benefits.models import PortfolioSetting
from benefits.services import lock_rows
from initiatives.models import Initiative, Stage
from initiatives.services import initiative_for_change
from portfolio.models import Alternative, AlternativeGroup, Dependency

# Beyond this many ids, a list of ids is not sent as query parameters (SQLite allows 999 in
# older builds): the caller's queryset is used as a subquery, or the rows are filtered here.
MAX_IDS_AS_PARAMETERS = 900


def _running(prefix: str) -> ExpressionWrapper:
    """True when the initiative at `prefix` is in operation and not archived."""
    condition = Q(**{f"{prefix}__stage": Stage.OPERATION, f"{prefix}__archived_at__isnull": True})
    return ExpressionWrapper(condition, output_field=BooleanField())


@dataclass(frozen=True)
class Constraints:
    """The constraints beside the budget, in positions of the candidates as given.

    - requires: int64 array (k, 2) of (b, a): b may be chosen only if a is chosen too; both
      candidates, neither blocked.
    - blocked: bool (n,): may not be chosen at all (a requirement that cannot be met, directly or
      through others, or an alternative whose group already has a member in operation).
    - groups: int64 arrays of positions, at most one of each may be chosen; two or more
      positions each, none blocked, in ascending order.
    - taken_alternative: bool (n,): the blocked ones whose group already has a member in
      operation (a subset of `blocked`, to say why).
    """

    requires: np.ndarray
    blocked: np.ndarray
    groups: list[np.ndarray] = field(default_factory=list)
    taken_alternative: np.ndarray | None = None

    @property
    def count(self) -> int:
        """How many constraints the solver gets beside the budget: links, groups, blocked."""
        return len(self.requires) + len(self.groups) + int(self.blocked.sum())


def _as_ids(ids) -> np.ndarray:
    return np.asarray(ids, dtype=np.int64).reshape(-1)


def _positions(ids: np.ndarray, values: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """For each value, its position in ids and whether it is there at all."""
    values = np.asarray(values, dtype=np.int64).reshape(-1)
    if not len(ids) or not len(values):
        return np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=bool)
    order = np.argsort(ids, kind="stable")
    at = np.clip(np.searchsorted(ids[order], values), 0, len(ids) - 1)
    return order[at], ids[order[at]] == values


def _among(field_name: str, ids: np.ndarray, queryset: QuerySet | None) -> Q:
    """A filter on field_name to the candidates, that never sends too many parameters."""
    if queryset is not None:
        return Q(**{f"{field_name}__in": queryset.order_by().values("pk")})
    if len(ids) <= MAX_IDS_AS_PARAMETERS:
        return Q(**{f"{field_name}__in": ids.tolist()})
    return Q()  # every row, filtered here by position


def constraints_for(ids, *, queryset: QuerySet | None = None) -> Constraints:
    """The "requires" links and groups of alternatives among the candidates `ids` (a list or a
    numpy array of initiative ids, in the solver's order), in their positions. Two queries.

    `queryset`, optional: the candidates' queryset (the ids are its pks); used as a subquery
    instead of the list of ids, so a long list never meets SQLite's parameter limit.
    """
    ids = _as_ids(ids)
    n = len(ids)
    blocked = np.zeros(n, dtype=bool)
    taken = np.zeros(n, dtype=bool)
    if not n:
        return Constraints(np.empty((0, 2), dtype=np.int64), blocked, [], taken)

    links = np.array(
        Dependency.objects.filter(_among("initiative_id", ids, queryset))
        .values_list("initiative_id", "required_id", _running("required"))
        .order_by("initiative_id", "required_id"),
        dtype=np.int64,
    ).reshape(-1, 3)
    b, b_found = _positions(ids, links[:, 0])
    a, a_found = _positions(ids, links[:, 1])
    satisfied = links[:, 2].astype(bool)
    keep = b_found & ~satisfied
    pairs = np.column_stack([b[keep & a_found], a[keep & a_found]])
    blocked[b[keep & ~a_found]] = True  # requires one neither chosen nor running

    in_groups = Alternative.objects.filter(
        group_id__in=Alternative.objects.filter(_among("initiative_id", ids, queryset)).values(
            "group_id"
        )
    )
    members = np.array(
        in_groups.values_list("group_id", "initiative_id", _running("initiative")).order_by(
            "group_id", "initiative_id"
        ),
        dtype=np.int64,
    ).reshape(-1, 3)
    member_at, member_found = _positions(ids, members[:, 1])
    running = members[:, 2].astype(bool)
    taken_groups = np.unique(members[running, 0])
    chosen_already = member_found & ~running & np.isin(members[:, 0], taken_groups)
    taken[member_at[chosen_already]] = True
    blocked |= taken

    # Blocked spreads to whatever requires a blocked one (C requires B requires A).
    while len(pairs):
        spreads = blocked[pairs[:, 1]] & ~blocked[pairs[:, 0]]
        if not spreads.any():
            break
        blocked[pairs[spreads, 0]] = True

    pairs = pairs[~blocked[pairs[:, 0]]] if len(pairs) else pairs
    groups = []
    usable = member_found & ~blocked[member_at]
    for group_id in np.unique(members[usable, 0]):
        positions = np.sort(member_at[usable & (members[:, 0] == group_id)])
        if len(positions) >= 2:
            groups.append(positions)
    return Constraints(pairs.astype(np.int64).reshape(-1, 2), blocked, groups, taken)


def labels_for(ids, *, queryset: QuerySet | None = None) -> dict[int, dict]:
    """For each id, what the ranking shows beside it: `requires`, the refs of the initiatives it
    requires (sorted), and `group`, the name of its group of alternatives when the group has two
    members or more (else None). Two queries."""
    ids = _as_ids(ids)
    labels = {int(pk): {"requires": [], "group": None} for pk in ids}
    if not len(ids):
        return labels
    links = (
        Dependency.objects.filter(_among("initiative_id", ids, queryset))
        .values_list("initiative_id", "required__ref")
        .order_by("required__ref")
    )
    for pk, ref in links:
        if pk in labels:
            labels[pk]["requires"].append(ref)
    groups = (
        Alternative.objects.filter(_among("initiative_id", ids, queryset))
        .annotate(size=Count("group__members"))
        .filter(size__gte=2)
        .values_list("initiative_id", "group__name")
    )
    for pk, name in groups:
        if pk in labels:
            labels[pk]["group"] = name
    return labels


# --- Writes ----------------------------------------------------------------------------------


def _lock_links() -> None:
    # A circle can close through links that share no initiative with the one being added
    # (A→B and C→D exist; B→C and D→A are added at once), so the writers of links and groups
    # queue on one row, the portfolio's settings, as the writers of goals do.
    lock_rows(PortfolioSetting.objects.filter(pk=1))
    PortfolioSetting.current()


@transaction.atomic
def requires_add(*, initiative: Initiative, required: Initiative, by) -> Dependency:
    """Record that `initiative` requires `required`; refused (ValidationError on "required") for
    itself, a duplicate, an archived one or a circle."""
    _lock_links()
    initiative = initiative_for_change(initiative)
    link = Dependency(initiative=initiative, required=required, created_by=by)
    link.full_clean(exclude=["created_by"])
    link._history_user = by
    link.save()
    return link


@transaction.atomic
def requires_remove(*, initiative: Initiative, link_id: int, by) -> Initiative:
    """Remove one of the initiative's "requires" links; returns the initiative it required."""
    _lock_links()
    initiative = initiative_for_change(initiative)
    link = (
        Dependency.objects.filter(initiative=initiative, pk=link_id)
        .select_related("required")
        .first()
    )
    if link is None:
        raise ValidationError(
            _("That requirement is not recorded (any more): nothing was removed."), code="gone"
        )
    link._history_user = by
    link.delete()
    return link.required


@transaction.atomic
def alternative_join(*, initiative: Initiative, group: AlternativeGroup, by) -> Alternative:
    """Put the initiative in an existing group; refused (ValidationError) when it is in one."""
    _lock_links()
    initiative = initiative_for_change(initiative)
    group = AlternativeGroup.objects.filter(pk=group.pk).first()
    if group is None:
        raise ValidationError(
            {"group": _("That group no longer exists; choose another or create one.")}
        )
    member = Alternative(group=group, initiative=initiative, created_by=by)
    member.full_clean(exclude=["created_by"])
    member._history_user = by
    member.save()
    return member


@transaction.atomic
def alternative_create(*, initiative: Initiative, name: str, by) -> Alternative:
    """Create a group named `name` with the initiative as its first member."""
    _lock_links()
    initiative = initiative_for_change(initiative)
    Alternative(initiative=initiative).clean()  # in a group already: nothing is created
    group = AlternativeGroup(name=name, created_by=by)
    group.full_clean(exclude=["created_by"])
    group._history_user = by
    group.save()
    member = Alternative(group=group, initiative=initiative, created_by=by)
    member._history_user = by
    member.save()
    return member


@transaction.atomic
def alternative_leave(*, initiative: Initiative, by) -> AlternativeGroup:
    """Take the initiative out of its group; a group left empty is deleted."""
    _lock_links()
    initiative = initiative_for_change(initiative)
    member = Alternative.objects.filter(initiative=initiative).select_related("group").first()
    if member is None:
        raise ValidationError(
            _("%(ref)s is not in a group of alternatives: nothing was changed.")
            % {"ref": initiative.ref},
            code="gone",
        )
    group = member.group
    member._history_user = by
    member.delete()
    if not group.members.exists():
        group._history_user = by
        group.delete()
    return group
