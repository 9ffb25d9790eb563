"""The read-only JSON API under /api/v1/, for Power BI and other tools.

Every operation asks `portfolio.permissions` as the pages do, and reuses the pages' querysets
and dashboard functions so the numbers agree. Unlike the pages, which ignore a bad filter, the API
answers a bad parameter with 400 and says which one: a script should fail loudly, not read the
wrong rows.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from decimal import Decimal, InvalidOperation

import numpy as np
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api import schemas
from api.auth import AUTH, NO_CREDENTIALS, authenticated
from benefits.models import Benefit, Measurement, hourly_rate
from initiatives.models import Initiative
from organisation import permissions
from organisation.models import Department
from portfolio import business_case, dashboard, keyset, prioritisation
from portfolio.models import Alignment, CouncilGoal
from portfolio.ranking import fill_expected_sek, load_candidates, ranked

ERRORS = {400: schemas.Error, 401: schemas.Error, 403: schemas.Error}
MAX_WEIGHT = Decimal("99999.999")  # what CouncilGoal.weight can hold

api = NinjaAPI(
    title="Digitalization portfolio API",
    version="1",
    description=(
        "Read-only access to the portfolio. Authenticate with a personal API token "
        "(`Authorization: Bearer <token>`, created on the API tokens page, /api/tokens/) or a "
        "logged-in session. Lists are paged with `limit` and a cursor: each page's `next_cursor` "
        "(null on the last page) passed as `cursor` gives the next one, and `count` comes with "
        "the first page. `offset` still works but is deprecated: deep offsets are slow. Errors "
        'are `{"detail": "..."}` with status 400, 401, 403 or 404.'
    ),
    urls_namespace="api-v1",
    auth=AUTH,
    docs_url=None,  # Swagger UI comes from a CDN, which our CSP forbids; the schema is enough.
    docs_decorator=authenticated,
)


@api.exception_handler(ValidationError)
def bad_parameters(request: HttpRequest, exc: ValidationError):
    """400, not ninja's 422, with one sentence naming each bad parameter."""
    problems = []
    for error in exc.errors:
        name = ".".join(str(part) for part in error["loc"][1:]) or str(error["loc"][0])
        problems.append(f"{name}: {error['msg']}")
    detail = "Bad parameter. " + "; ".join(problems)
    return api.create_response(request, {"detail": detail}, status=400)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError):
    detail = exc.message
    if detail == "Unauthorized":  # ninja's generic message when no credentials came at all
        detail = NO_CREDENTIALS
    response = api.create_response(request, {"detail": detail}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _department(code: str | None) -> Department | None:
    if code is None:
        return None
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise HttpError(400, f"department: no department has the code {code!r}.")
    return department


CURSOR_SALT = "api.v1.cursor"
BAD_CURSOR = "cursor: not a cursor this list gave out; start again without one."


def _make_cursor(kind: str, key: list) -> str:
    """An opaque, URL-safe cursor holding the last row's sort key, signed so that a client can
    neither forge a position nor make us parse garbage as one (portfolio.keyset)."""
    return keyset.sign_cursor({"key": key}, kind=kind, salt=CURSOR_SALT)


def _read_cursor(kind: str, cursor: str) -> list:
    """The sort key in a cursor made by `_make_cursor(kind, ...)`; 400 for anything else
    (garbled, forged, signed under an old SECRET_KEY, or another list's)."""
    try:
        key = keyset.read_cursor(cursor, kind=kind, salt=CURSOR_SALT).get("key")
    except keyset.BadCursor:
        raise HttpError(400, BAD_CURSOR) from None
    if not isinstance(key, list):
        raise HttpError(400, BAD_CURSOR)
    return key


def _check_paging(paging: schemas.Paging) -> None:
    if paging.cursor is not None and paging.offset:
        raise HttpError(400, "cursor: give either a cursor or an offset, not both.")


def _page(rows, paging: schemas.Paging, count: int | None, next_cursor: str | None) -> dict:
    return {
        "count": count,
        "offset": None if paging.cursor is not None else paging.offset,
        "limit": paging.limit,
        "next_cursor": next_cursor,
        "items": rows,
    }


def _initiative_out(initiative: Initiative) -> dict:
    return {
        "ref": initiative.ref,
        "title": initiative.title,
        "summary": initiative.summary,
        "kind": initiative.kind,
        "stage": initiative.stage,
        "outcome": initiative.outcome,
        "department": initiative.department.code,
        "owner": initiative.owner.username if initiative.owner else None,
        "planned_start": initiative.planned_start,
        "planned_end": initiative.planned_end,
        "budget": initiative.budget,
        "running_cost": initiative.running_cost,
        "cost_to_date": initiative.cost_to_date,
        "must_do": initiative.must_do,
        "tags": initiative.tag_list,
        "health": initiative.health,
        "last_update_on": initiative.last_update_on,
        "archived": initiative.is_archived,
    }


# The benefit's own columns and its with_figures() annotations, by the schema's names.
BENEFIT_FIELDS = [
    name for name in schemas.BenefitOut.model_fields if name not in {"owner", "measurements"}
]

initiatives_router = Router(tags=["initiatives"])


@initiatives_router.get(
    "",
    response={200: schemas.InitiativePage, **ERRORS},
    summary="List initiatives",
    operation_id="listInitiatives",
)
def initiative_list(request: HttpRequest, filters: Query[schemas.InitiativeFilters]):
    """Initiatives the caller may see, filtered like the list page, in order of ref.

    Ref is unique, so it alone is the keyset: a cursor page is `WHERE ref > last ORDER BY ref
    LIMIT n + 1` (the extra row says whether there is a next page), with no OFFSET and no COUNT,
    so page 900 costs what page 1 does. The count comes only without a cursor (the first page,
    and the deprecated offset pages), where clients have always had it.
    """
    _check_paging(filters)
    if filters.archived and not permissions.can_see_archived(request.user):
        raise HttpError(403, "archived: only the digitalization office sees archived initiatives.")
    initiatives = permissions.visible_to(request.user)
    initiatives = initiatives.archived() if filters.archived else initiatives.active()
    department = _department(filters.department)
    if department is not None:
        initiatives = initiatives.filter(department=department)
    if filters.stage:
        initiatives = initiatives.filter(stage=filters.stage)
    if filters.kind:
        initiatives = initiatives.filter(kind=filters.kind)
    initiatives = initiatives.for_list().search(filters.q)
    if filters.health == "none":
        initiatives = initiatives.filter(health__isnull=True)
    elif filters.health:
        initiatives = initiatives.filter(health=filters.health)
    initiatives = initiatives.order_by("ref")
    count = None
    if filters.cursor is not None:
        after = _read_cursor("initiatives", filters.cursor)
        if len(after) != 1 or not isinstance(after[0], str):
            raise HttpError(400, BAD_CURSOR)
        rows = list(initiatives.filter(ref__gt=after[0])[: filters.limit + 1])
    else:
        rows = list(initiatives[filters.offset : filters.offset + filters.limit + 1])
        count = initiatives.count()
    next_cursor = None
    if len(rows) > filters.limit:
        rows = rows[: filters.limit]
        next_cursor = _make_cursor("initiatives", [rows[-1].ref])
    found = business_case.figures_for([i.pk for i in rows])  # the page's only: four queries
    items = [{**_initiative_out(i), **_figures_out(found.get(i.pk))} for i in rows]
    return _page(items, filters, count, next_cursor)


def _figures_out(figures: business_case.Figures | None) -> dict:
    """NPV, BCR and payback year as the detail's business case rounds them."""
    if figures is None:  # deleted between the page's query and the figures'
        return {"npv": None, "bcr": None, "payback_year": None}
    return {
        "npv": round(figures.npv, 2),
        "bcr": None if figures.bcr is None else round(figures.bcr, 6),
        "payback_year": figures.payback_year,
    }


@initiatives_router.get(
    "/{ref}",
    response={200: schemas.InitiativeDetailOut, 404: schemas.Error, **ERRORS},
    summary="One initiative with its benefits, measurements and goal scores",
    operation_id="getInitiative",
)
def initiative_detail(request: HttpRequest, ref: schemas.Text):
    """Five queries after authentication, however many benefits and measurements."""
    initiative = permissions.visible_to(request.user).for_list().filter(ref=ref).first()
    if initiative is None:
        raise HttpError(404, f"No initiative {ref!r} that you may see.")
    benefits = list(
        Benefit.objects.filter(initiative=initiative)
        .with_figures(rate=hourly_rate())
        .select_related("owner")
    )
    measurements = defaultdict(list)
    for measurement in Measurement.objects.filter(benefit__in=benefits).order_by("date", "id"):
        measurements[measurement.benefit_id].append(
            {"date": measurement.date, "value": measurement.value, "note": measurement.note}
        )
    scores = (
        Alignment.objects.filter(initiative=initiative, goal__in=CouncilGoal.objects.active())
        .select_related("goal")
        .order_by("goal__order", "goal__id")
    )
    return {
        **_initiative_out(initiative),
        "hypothesis": initiative.hypothesis,
        "stop_criteria": initiative.stop_criteria,
        "benefits": [
            {
                **{name: getattr(benefit, name) for name in BENEFIT_FIELDS},
                "owner": benefit.owner.username if benefit.owner else None,
                "measurements": measurements[benefit.pk],
            }
            for benefit in benefits
        ],
        "goal_scores": [
            {"goal_id": a.goal_id, "title": a.goal.title, "score": a.score, "reason": a.reason}
            for a in scores
        ],
        "business_case": _business_case_out(business_case.initiative_case(initiative)),
    }


def _business_case_out(case: business_case.Case) -> dict:
    return {
        "base_year": case.base_year,
        "horizon_years": case.horizon,
        "discount_rate_percent": float(case.rate_percent),
        "npv": round(case.npv, 2),
        "bcr": None if case.bcr is None else round(case.bcr, 6),
        "payback_year": case.payback_year,
        "years": [
            {
                "year": row.year,
                "cost": row.cost,
                "benefit": round(row.benefit, 2),
                "net": round(row.net, 2),
                "cumulative_net": round(row.cumulative, 2),
                "actual_cost": row.actual_cost,
                "realised_benefit": (
                    None if row.realised_benefit is None else round(row.realised_benefit, 2)
                ),
            }
            for row in case.years
        ],
    }


goals_router = Router(tags=["goals"])


@goals_router.get(
    "",
    response={200: schemas.GoalList, **ERRORS},
    summary="Active council goals",
    operation_id="listGoals",
)
def goal_list(request: HttpRequest):
    goals = list(CouncilGoal.objects.active())
    return {"count": len(goals), "items": goals}


ranking_router = Router(tags=["prioritisation"])


def _weights(request: HttpRequest, goals: list[CouncilGoal]) -> list[float]:
    """The weights from `w_<goal id>` parameters; a goal left out keeps its saved weight."""
    by_id = {str(goal.pk): goal.weight for goal in goals}
    for key, value in request.GET.items():
        if not key.startswith("w_"):
            continue
        if key[2:] not in by_id:
            raise HttpError(400, f"{key}: there is no active council goal with the id {key[2:]!r}.")
        if value.strip() == "":
            continue
        try:
            weight = Decimal(value.strip())
        except InvalidOperation:
            weight = None
        if weight is None or not weight.is_finite():
            raise HttpError(400, f"{key}: the weight must be a number, not {value!r}.")
        if weight < 0 or weight > MAX_WEIGHT:
            raise HttpError(400, f"{key}: the weight must be between 0 and {MAX_WEIGHT}.")
        by_id[key[2:]] = weight
    weights = [float(by_id[str(goal.pk)]) for goal in goals]
    if goals and not any(weight > 0 for weight in weights):
        raise HttpError(400, "At least one goal needs a weight above zero.")
    return weights


@ranking_router.get(
    "",
    response={200: schemas.RankingPage, **ERRORS},
    summary="The ranking for given weights",
    operation_id="getRanking",
    description=(
        "Open initiatives ranked by strategic score, highest first; equal scores share a rank. "
        "Weights are query parameters named `w_<goal id>` (for example `?w_1=2&w_2=0.5`), each a "
        "number from 0 to 99999.999, not all zero; a goal left out keeps its saved weight."
    ),
)
def ranking(request: HttpRequest, filters: Query[schemas.RankingFilters]):
    """The ranking is computed whole in memory (from cached candidates), so paging costs no
    query and the count is free; a cursor still beats an offset for a client walking pages
    while the portfolio changes, since it continues after the last row seen."""
    _check_paging(filters)
    goals = list(CouncilGoal.objects.active())
    weights = _weights(request, goals)
    initiatives = permissions.visible_to(request.user).active()
    department = _department(filters.department)
    if department is not None:
        initiatives = initiatives.filter(department=department)
    if filters.stage:
        initiatives = initiatives.filter(stage=filters.stage)
    if filters.kind:
        initiatives = initiatives.filter(kind=filters.kind)
    rows = []
    if goals:
        try:
            rows = ranked(load_candidates(initiatives, goals), weights)
        except prioritisation.WeightError as error:
            raise HttpError(400, str(error)) from error
    ids = [str(goal.pk) for goal in goals]
    weighed = _weights_digest(ids, weights)
    start = filters.offset
    if filters.cursor is not None:
        start = _ranking_start(rows, _read_cursor("ranking", filters.cursor), weighed)
    shown = rows[start : start + filters.limit]
    next_cursor = None
    if shown and start + len(shown) < len(rows):
        last = shown[-1]
        key = [weighed, last.score, last.row["title"].casefold(), last.row["id"]]
        next_cursor = _make_cursor("ranking", key)
    fill_expected_sek(shown)
    found = business_case.figures_for([row.row["id"] for row in shown])  # four queries
    items = [
        {
            "rank": row.rank,
            "ref": row.row["ref"],
            "title": row.row["title"],
            "department": row.row["department__code"],
            "stage": row.row["stage"],
            "must_do": row.row["must_do"],
            "score": row.score,
            "goal_scores": dict(zip(ids, row.goal_scores, strict=True)),
            "budget": row.row["budget"],
            "expected_sek": row.row["expected_sek"],
            **_figures_out(found.get(row.row["id"])),
        }
        for row in shown
    ]
    page = _page(items, filters, len(rows), next_cursor)
    return {"weights": dict(zip(ids, weights, strict=True)), **page}


def _weights_digest(ids: list[str], weights: list[float]) -> str:
    """A short fingerprint of the weights: a ranking cursor is a position under these weights
    only, and means nothing under others."""
    return hashlib.sha256(repr((ids, weights)).encode()).hexdigest()[:16]


def _ranking_start(rows, key: list, weighed: str) -> int:
    """Where the page after the cursor's row starts in the ranking (order: score descending,
    title case-blind, then the candidates' order).

    If the cursor's row is still there with the same score and title, the page starts right
    after it; if it went (closed, archived, rescored) the page starts at the first row whose
    (score, title, id) sorts after the cursor's.
    """
    if (
        len(key) != 4
        or not isinstance(key[0], str)
        or not isinstance(key[1], int | float)
        or not isinstance(key[2], str)
        or not isinstance(key[3], int)
    ):
        raise HttpError(400, BAD_CURSOR)
    if key[0] != weighed:
        raise HttpError(
            400, "cursor: it was given for other weights; start again without a cursor."
        )
    if not len(rows):
        return 0
    _, score, folded, last_id = key
    # Rounded as the ranking rounds them before it orders, so that equal scores compare equal.
    score = float(prioritisation._same(np.array([float(score)]))[0])
    ids = rows.candidates.ids[rows.order]
    scores = prioritisation._same(np.asarray(rows.scores, dtype=float))[rows.order]
    found = np.flatnonzero(ids == last_id)
    if len(found) and scores[found[0]] == score:
        row = rows.candidates.row(rows.order[found[0]])
        if row is not None and row["title"].casefold() == folded:
            return int(found[0]) + 1
    # The cursor's row went or changed: the titles of all (one query), to find where it would be.
    rows.candidates.load(rows.order)
    for position, (row_score, index) in enumerate(zip(scores, rows.order, strict=True)):
        row = rows.candidates.row(index)
        fold = row["title"].casefold() if row else ""
        if (-row_score, fold, int(rows.candidates.ids[index])) > (-score, folded, last_id):
            return position
    return len(rows)


dashboard_router = Router(tags=["dashboard"])


@dashboard_router.get(
    "",
    response={200: schemas.DashboardOut, **ERRORS},
    summary="The dashboard's figures",
    operation_id="getDashboard",
)
def dashboard_figures(request: HttpRequest, filters: Query[schemas.DashboardFilters]):
    """The same figures as the dashboard page for the same filters, from the same functions."""
    goal = None
    if filters.goal is not None:
        goal = CouncilGoal.objects.active().filter(pk=filters.goal).first()
        if goal is None:
            raise HttpError(
                400, f"goal: there is no active council goal with the id {filters.goal}."
            )
    department = _department(filters.department)
    initiatives = dashboard.filter_initiatives(
        permissions.visible_to(request.user).active(), department=department, goal=goal
    )
    from benefits.models import PortfolioSetting

    setting = PortfolioSetting.current()  # the hourly rate and the business case's horizon
    rate = setting.hourly_rate
    benefits = Benefit.objects.filter(initiative__in=initiatives).with_figures(rate=rate)
    goals = list(CouncilGoal.objects.active())
    found = dashboard.figures_for(
        initiatives, benefits, goals, department=department, goal=goal, rate=rate,
        unassigned=_("No goal scored"), with_behind=False, horizon=setting.horizon_years,
    )  # fmt: skip
    head, after = found["head"], found["after"]
    return {
        "headline": {
            "total": head.total,
            "by_stage": [
                {"stage": stage, "label": label, "count": count}
                for stage, label, count in head.by_stage
            ],
            "health": head.health,
            "budget": head.budget,
            "cost_to_date": head.cost_to_date,
            "running_cost": head.running_cost,
            "expected_sek": head.expected_sek,
            "realised_sek": head.realised_sek,
            "realisation_rate": head.realisation_rate,
            "benefits": head.benefits,
            "measured": head.measured,
            "behind_plan": head.behind_plan,
        },
        "after_project": {
            "expected_sek": after.expected_sek,
            "realised_sek": after.realised_sek,
            "benefits": after.benefits,
            "followed_up": after.followed_up,
            "reviewed": after.reviewed,
            "realised": after.realised,
            "partly": after.partly,
            "not_realised": after.not_realised,
        },
        "by_department": found["departments"],
        "by_goal": found["by_goal"],
        "over_time": found["timeline"],
        "money_by_year": found["money_years"],
        "who_pays_who_gains": found["actors"],
        "cross_department": found["crossings"],
    }


api.add_router("/initiatives", initiatives_router)
api.add_router("/goals", goals_router)
api.add_router("/ranking", ranking_router)
api.add_router("/dashboard", dashboard_router)
