"""Who may do what: the one place that decides it.

Every view, htmx endpoint and form asks these predicates; nothing checks roles ad hoc. Rights
(DESIGN.md): the office may do everything everywhere; a department head edits the initiatives of the
departments they belong to; an executive reads everything and changes nothing. A logged-in user with
no role sees nothing of the portfolio, only the benefits they own as benefit owner (to measure and
review them) and their own notifications.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from initiatives.models import Initiative, InitiativeQuerySet

    User = AbstractBaseUser | AnonymousUser

OFFICE = "office"
DEPARTMENT_HEAD = "department_head"
EXECUTIVE = "executive"
ROLES = (OFFICE, DEPARTMENT_HEAD, EXECUTIVE)


def role(user: User) -> str | None:
    """The user's role, read once per request; office outranks head outranks executive."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_portfolio_role"):
        if user.is_superuser:
            user._portfolio_role = OFFICE
        else:
            names = set(user.groups.values_list("name", flat=True))
            user._portfolio_role = next((name for name in ROLES if name in names), None)
    return user._portfolio_role


def department_ids(user: User) -> frozenset[int]:
    """The departments the user belongs to, read once per request."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_portfolio_department_ids"):
        user._portfolio_department_ids = frozenset(user.departments.values_list("id", flat=True))
    return user._portfolio_department_ids


def is_office(user: User) -> bool:
    return role(user) == OFFICE


def can_view(user: User) -> bool:
    """Any of the three roles may read the portfolio."""
    return role(user) is not None


def can_create(user: User) -> bool:
    return is_office(user) or (role(user) == DEPARTMENT_HEAD and bool(department_ids(user)))


def can_create_in(user: User, department_id: int | None) -> bool:
    if is_office(user):
        return True
    return role(user) == DEPARTMENT_HEAD and department_id in department_ids(user)


def can_edit(user: User, initiative: Initiative) -> bool:
    """Edit the initiative and its children: progress updates, lessons, stage proposals."""
    if initiative.is_archived:
        return False
    return can_create_in(user, initiative.department_id)


def can_edit_benefit(user: User, benefit) -> bool:
    """Benefits and their measurements follow the rights of their initiative."""
    return can_edit(user, benefit.initiative)


def owns(user: User, benefit) -> bool:
    """The user is the benefit's owner: the line manager who realises it in operations."""
    return (
        user.is_authenticated
        and user.is_active
        and benefit.owner_id is not None
        and benefit.owner_id == user.pk
    )


def can_record_measurement(user: User, benefit) -> bool:
    """Whoever may edit the benefit, and its benefit owner: the line manager who realises it
    records its measurements, also without being a head of the initiative's department, and
    also without any role (a line manager who only follows up benefits)."""
    if can_edit_benefit(user, benefit):
        return True
    return owns(user, benefit) and not benefit.initiative.is_archived


def can_see_own_benefits(user: User) -> bool:
    """The "My benefits" page: any active user lists the benefits they own (none, without)."""
    return user.is_authenticated and user.is_active


def can_receive_notifications(user: User) -> bool:
    """One's own notifications and their settings: benefit owners without a role are reminded
    too."""
    return user.is_authenticated and user.is_active


def can_hand_over(user: User, initiative: Initiative) -> bool:
    """The benefit hand-over at closure: those who may edit the initiative, once it is closed
    as completed."""
    from initiatives.models import Outcome, Stage

    return (
        can_edit(user, initiative)
        and initiative.stage == Stage.CLOSED
        and initiative.outcome == Outcome.COMPLETED
    )


def can_review_benefit(user: User, benefit) -> bool:
    """The closing measurement and realisation review that end a benefit's follow-up after the
    project: whoever may record its measurements, once it was handed over and until reviewed."""
    from benefits.models import FollowUp

    return (
        can_record_measurement(user, benefit)
        and benefit.follow_up_state(benefit.initiative) == FollowUp.AFTER
    )


def can_change_settings(user: User) -> bool:
    """Portfolio-wide settings, such as the hourly rate that values freed time."""
    return is_office(user)


def can_manage_goals(user: User) -> bool:
    """Council goals, their weights and the alignment scores are set by the office."""
    return is_office(user)


def can_manage_links(user: User) -> bool:
    """ "Requires" links and groups of alternatives, constraints of the budget selection, are
    recorded by the office."""
    return is_office(user)


def can_import(user: User) -> bool:
    """Imports write across departments: the office only."""
    return is_office(user)


def can_save_decision(user: User) -> bool:
    return is_office(user)


def can_record_decision_minutes(user: User) -> bool:
    """Add or correct a saved decision's registry number and minutes link, which come after the
    meeting; nothing else of a saved decision changes."""
    return is_office(user)


def can_change_stage_directly(user: User, initiative: Initiative) -> bool:
    """Stage gates are decided centrally: only the office changes a stage without a proposal."""
    return is_office(user) and not initiative.is_archived


def can_propose_stage(user: User, initiative: Initiative) -> bool:
    return can_edit(user, initiative) and not is_office(user)


def can_decide_stage(user: User) -> bool:
    return is_office(user)


def can_archive(user: User, initiative: Initiative) -> bool:
    return is_office(user)


def can_see_archived(user: User) -> bool:
    return is_office(user)


def can_check_in(user: User) -> bool:
    return role(user) in (OFFICE, DEPARTMENT_HEAD)


def can_manage_organisation(user: User) -> bool:
    """Departments, users, their roles and memberships: the office runs them without calling IT."""
    return is_office(user)


def can_see_deliveries(user: User) -> bool:
    """The e-mails the reminders sent or failed to send: the office watches over them."""
    return is_office(user)


def can_set_up(user: User) -> bool:
    """The first-run setup (organisation name, departments, goals, hourly rate, first import)."""
    return is_office(user)


def visible_to(user: User) -> InitiativeQuerySet:
    """Initiatives the user may read: none without a role; archived ones only for the office."""
    from initiatives.models import Initiative

    if not can_view(user):
        return Initiative.objects.none()
    if can_see_archived(user):
        return Initiative.objects.all()
    return Initiative.objects.active()


def editable_by(user: User) -> InitiativeQuerySet:
    """Initiatives the user may edit."""
    from initiatives.models import Initiative

    if is_office(user):
        return Initiative.objects.active()
    if role(user) == DEPARTMENT_HEAD:
        return Initiative.objects.active().filter(department_id__in=department_ids(user))
    return Initiative.objects.none()


def require(allowed: bool) -> None:
    """Raise 403 unless allowed."""
    if not allowed:
        raise PermissionDenied


def can_see_calibration(user: User) -> bool:
    """What history teaches: how much of promised benefits was realised, across the portfolio."""
    return is_office(user)
