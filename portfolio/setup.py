"""The first run of a new municipality: the organisation's name, its departments, the council's
goals, the hourly rate, and then the import of the existing register.

An installation is *not set up* while its setup was never finished and it has no departments: the
demo city and every installation from before the setup have departments, so they never see it.
Once the first departments are in, the office may still finish the setup (each step saves as it
goes; `/portfolio/setup/` resumes where it stopped), but nobody is sent there any more.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisation import permissions
from organisation.models import Department, Organisation
from organisation.services import DepartmentRefused, department_create
from portfolio.models import CouncilGoal
from portfolio.services import GoalTitleTaken, goal_save

# (url name, title) of each step, in order.
STEPS = [
    ("portfolio:setup_name", gettext_lazy("The organisation")),
    ("portfolio:setup_departments", gettext_lazy("Departments")),
    ("portfolio:setup_goals", gettext_lazy("Council goals")),
    ("portfolio:setup_rate", gettext_lazy("Hourly rate")),
    ("portfolio:setup_import", gettext_lazy("Import the register")),
]
SESSION_KEY = "setup_step"  # the furthest step reached, so that coming back resumes there
MAX_DEPARTMENT_LINES = 500
CODE_PATTERN = re.compile(r"^[A-Z0-9ÅÄÖ_-]+$")
NAME_MAX = Department._meta.get_field("name").max_length
CODE_MAX = Department._meta.get_field("code").max_length


def setup_needed() -> bool:
    """Whether the installation is not set up: never finished, and no departments at all."""
    if Department.objects.exists():
        return False
    return not Organisation.objects.filter(setup_completed_at__isnull=False).exists()


def setup_open() -> bool:
    """Whether the setup's steps may still be taken: it has not been finished."""
    return not Organisation.objects.filter(setup_completed_at__isnull=False).exists()


class SetupMiddleware:
    """Sends the office to the setup, and everyone else to a polite page, on an installation that
    is not set up.

    Only the pages one lands on: the home page for everyone (where a login lands); the initiative
    list and the dashboard for the office too. One query (departments exist?) on those, so the
    other users' list and dashboard keep their query count.
    """

    OFFICE_PAGES = {"home", "initiatives:list", "portfolio:dashboard"}
    EVERYONE_PAGES = {"home"}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        user = getattr(request, "user", None)
        if request.method != "GET" or match is None or user is None:
            return None
        if not user.is_authenticated or match.view_name not in self.OFFICE_PAGES:
            return None
        office = permissions.can_set_up(user)
        if not office and match.view_name not in self.EVERYONE_PAGES:
            return None
        if permissions.role(user) is None:
            return None  # without a role the home page says so, set up or not
        if not setup_needed():
            return None
        return redirect("portfolio:setup" if office else "portfolio:setup_pending")


def reached(request: HttpRequest, step: int) -> None:
    """Remember the furthest step this person has reached."""
    if request.session.get(SESSION_KEY, 0) < step:
        request.session[SESSION_KEY] = step


def resume_step(request: HttpRequest) -> int:
    """The step to continue at (1 to 5): the first whose data is missing, else the furthest
    reached (the hourly rate has a default, so it is never 'missing')."""
    if not Organisation.current().name:
        return 1
    if not Department.objects.active().exists():
        return 2
    if not CouncilGoal.objects.active().exists():
        return 3
    return max(4, min(request.session.get(SESSION_KEY, 4), len(STEPS)))


def missing_for_finish() -> list[tuple[str, str]]:
    """What the setup still lacks, as (message, url name of the step that adds it)."""
    missing = []
    if not Organisation.current().name:
        missing.append((_("The organisation has no name yet."), STEPS[0][0]))
    if not Department.objects.active().exists():
        missing.append((_("There are no departments yet."), STEPS[1][0]))
    if not CouncilGoal.objects.active().exists():
        missing.append((_("There are no council goals yet."), STEPS[2][0]))
    return missing


# Departments from pasted lines -------------------------------------------------------------------


@dataclass
class DepartmentLine:
    number: int  # the line as the user sees it in the text box, blank lines counted
    name: str
    code: str = ""
    generated: bool = False  # the code was made from the name
    exists: bool = False  # already there (same name): skipped, not an error
    error: str = ""


@dataclass
class DepartmentPlan:
    lines: list[DepartmentLine] = field(default_factory=list)
    error: str = ""  # about the whole text

    @property
    def ok(self) -> bool:
        return not self.error and not any(line.error for line in self.lines)

    @property
    def new(self) -> list[DepartmentLine]:
        return [line for line in self.lines if not line.exists and not line.error]


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def code_from_name(name: str, taken: set[str]) -> str:
    """A short code for a department: the first letters of a one-word name (SOC for
    Socialförvaltningen), the initials of a longer one (SVOA for Stockholm Vatten och Avfall),
    with a number added when it is taken."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", plain)
    if not words:
        base = "DEP"
    elif len(words) == 1:
        base = words[0][:3]
    else:
        base = "".join(word[0] for word in words)[:8]
    base = base.upper()
    code, number = base, 1
    while code in taken:
        number += 1
        code = f"{base}{number}"[:CODE_MAX]
    return code


def _split(raw: str) -> list[str]:
    # A spreadsheet's two columns come as "name<TAB>code"; typed ones as "name;code".
    return [part.strip() for part in re.split(r"[\t;]", raw)]


def departments_plan(text: str) -> DepartmentPlan:
    """What the pasted lines would create, checked against each other and the database: one
    line each, "Name", "Name;CODE" or "Name<TAB>CODE". Two queries."""
    plan = DepartmentPlan()
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if len(numbered) > MAX_DEPARTMENT_LINES:
        plan.error = _("At most %(max)s departments at a time.") % {"max": MAX_DEPARTMENT_LINES}
        return plan
    existing = {_key(name): (name, code) for name, code in Department.objects.values_list(
        "name", "code")}  # fmt: skip
    codes = {code.upper(): name for name, code in existing.values()}
    seen_names: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    for number, raw in numbered:
        parts = _split(raw)
        line = DepartmentLine(number, parts[0], parts[1].upper() if len(parts) > 1 else "")
        plan.lines.append(line)
        if len(parts) > 2 and any(parts[2:]):
            line.error = _("Too many columns: write the name, then optionally a code.")
        elif not line.name:
            line.error = _("The name is missing.")
        elif len(line.name) > NAME_MAX:
            line.error = _("The name is longer than %(max)s characters.") % {"max": NAME_MAX}
        elif len(line.code) > CODE_MAX:
            line.error = _("The code is longer than %(max)s characters.") % {"max": CODE_MAX}
        elif line.code and not CODE_PATTERN.match(line.code):
            line.error = _("A code has only letters, digits, - and _.")
        elif _key(line.name) in seen_names:
            line.error = _("The same name as line %(line)s.") % {
                "line": seen_names[_key(line.name)]
            }
        elif line.code and line.code in seen_codes:
            line.error = _("The same code as line %(line)s.") % {"line": seen_codes[line.code]}
        elif _key(line.name) in existing:
            name, code = existing[_key(line.name)]
            if line.code and line.code != code.upper():
                line.error = _("%(name)s already exists, with the code %(code)s.") % {
                    "name": name, "code": code}  # fmt: skip
            else:
                line.exists, line.code = True, code
        elif line.code and line.code in codes:
            line.error = _("The code %(code)s is already used by %(name)s.") % {
                "code": line.code, "name": codes[line.code]}  # fmt: skip
        if line.name and not line.error:
            seen_names[_key(line.name)] = number
        if line.code and not line.error:
            seen_codes[line.code] = number
    # Codes are made last, so that they never take one written further down.
    taken = set(codes) | set(seen_codes)
    for line in plan.lines:
        if not line.code and not line.error:
            line.code, line.generated = code_from_name(line.name, taken), True
            taken.add(line.code)
    return plan


# Services ----------------------------------------------------------------------------------------


def _lock_organisation() -> Organisation:
    # The setup's writers queue on the organisation's row: two people (or two clicks) at once
    # see each other's result instead of racing on the unique names and codes.
    return Organisation.locked()


@transaction.atomic
def organisation_rename(*, name: str, by) -> Organisation:
    """Give the organisation its name; the same name sent twice writes nothing."""
    organisation = _lock_organisation()
    name = name.strip()
    if organisation.name != name:
        organisation.name = name
        organisation._history_user = by
        organisation.save(update_fields=["name"])
    return organisation


@transaction.atomic
def departments_create_from_text(*, text: str, by) -> DepartmentPlan:
    """Create the departments of the pasted lines, all or none; checked again under the lock, so
    lines created meanwhile (a second click) are skipped, not created twice."""
    _lock_organisation()
    plan = departments_plan(text)
    if plan.ok:
        for line in plan.new:
            try:
                department_create(name=line.name, code=line.code, by=by)
            except DepartmentRefused as refused:
                # The service's own rules (e.g. a name taken in another letter case): all or none.
                line.error = str(refused)
                transaction.set_rollback(True)
    return plan


@dataclass
class GoalDraft:
    title: str
    description: str = ""
    weight: Decimal = Decimal(1)


@transaction.atomic
def goals_add(*, goals: list[GoalDraft], by) -> int:
    """Add the goals, in order after those there are; a title that exists already (the form
    sent twice) is skipped. Returns how many were added."""
    _lock_organisation()
    order = max(CouncilGoal.objects.values_list("order", flat=True), default=0)
    added = 0
    for draft in goals:
        order += 1
        goal = CouncilGoal(
            title=draft.title, description=draft.description, weight=draft.weight, order=order
        )
        try:
            goal_save(goal=goal, by=by)
        except GoalTitleTaken:
            continue
        added += 1
    return added


class SetupAlreadyFinished(Exception):
    def __init__(self, organisation: Organisation):
        self.organisation = organisation
        super().__init__(_("The setup was already finished."))


class SetupIncomplete(Exception):
    def __init__(self, missing: list[tuple[str, str]]):
        self.missing = missing
        super().__init__(" ".join(message for message, _url in missing))


@transaction.atomic
def organisation_setup_finish(*, by) -> Organisation:
    """Mark the setup done, once: a second click raises SetupAlreadyFinished, writing nothing."""
    organisation = _lock_organisation()
    if organisation.setup_completed_at is not None:
        raise SetupAlreadyFinished(organisation)
    missing = missing_for_finish()
    if missing:
        raise SetupIncomplete(missing)
    organisation.setup_completed_at = timezone.now()
    organisation._history_user = by
    organisation.save(update_fields=["setup_completed_at"])
    return organisation
