"""What the API's operations take and return; OpenAPI is generated from these.

Money and indicator values are JSON numbers (kronor and units as floats), dates ISO 8601.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, field_validator

from benefits.models import Category, Confidence, Direction
from initiatives.models import Health, Kind, Outcome, Stage

StageName = Literal[tuple(Stage.values)]
OpenStageName = Literal[tuple(value for value in Stage.values if value != Stage.CLOSED)]
KindName = Literal[tuple(Kind.values)]
HealthName = Literal[tuple(Health.values)]
HealthFilter = Literal[(*Health.values, "none")]


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL in text; refuse it here, as a bad parameter, before it gets there.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]

# Offsets beyond this are refused rather than handed to the database as a 64-bit overflow.
MAX_OFFSET = 1_000_000
MAX_LIMIT = 500
# The longest cursor we give out (a ranking's, with a 200-character title all in \uXXXX escapes)
# is under 2,000 characters; anything much longer is not one of ours.
MAX_CURSOR = 4000


class Error(Schema):
    detail: str = Field(description="What was wrong, in a sentence.")


class Paging(Schema):
    limit: int = Field(100, ge=1, le=MAX_LIMIT, description="How many rows to return (1–500).")
    cursor: Text | None = Field(
        None,
        max_length=MAX_CURSOR,
        description="The `next_cursor` of the previous page: the page after it. Leave out for "
        "the first page. Filters may change between pages; the cursor holds only the position.",
    )
    offset: int = Field(
        0,
        ge=0,
        le=MAX_OFFSET,
        description="Deprecated, use `cursor`: how many rows to skip. Deep offsets are slow.",
    )

    @field_validator("cursor")
    @classmethod
    def _blank_is_first_page(cls, value: str | None) -> str | None:
        # A report template that always sends `cursor=` means "from the start".
        return value or None


class InitiativeFilters(Paging):
    department: Text | None = Field(None, max_length=20, description="A department's code.")
    stage: StageName | None = None
    kind: KindName | None = None
    health: HealthFilter | None = Field(
        None, description="The latest progress update's health; `none` for never updated."
    )
    q: Text = Field("", max_length=200, description="Free text in ref, title or summary.")
    archived: bool = Field(
        False, description="Only archived initiatives instead of the active ones (office only)."
    )


class RankingFilters(Paging):
    department: Text | None = Field(None, max_length=20, description="A department's code.")
    stage: OpenStageName | None = None
    kind: KindName | None = None


class DashboardFilters(Schema):
    department: Text | None = Field(None, max_length=20, description="A department's code.")
    goal: int | None = Field(
        None, ge=1, le=2**31 - 1, description="An active council goal's id: the initiatives that "
        "serve it (score 1 or more)."
    )  # fmt: skip


class InitiativeOut(Schema):
    ref: str
    title: str
    summary: str
    kind: KindName
    stage: StageName
    outcome: Literal[("", *Outcome.values)]
    department: str = Field(description="The department's code.")
    owner: str | None = Field(description="The accountable person's username.")
    planned_start: dt.date | None
    planned_end: dt.date | None
    budget: int | None = Field(description="One-off cost, SEK.")
    running_cost: int | None = Field(description="SEK per year.")
    cost_to_date: int | None = Field(description="SEK.")
    must_do: bool
    tags: list[str]
    health: HealthName | None = Field(description="From the latest progress update.")
    last_update_on: dt.date | None
    archived: bool


class BusinessCaseFigures(Schema):
    """The planned business case in three numbers (portfolio.business_case.figures_for)."""

    npv: float | None = Field(
        description="Net present value of the planned business case, SEK, as on the "
        "initiative's page (DESIGN.md 'Money over time')."
    )
    bcr: float | None = Field(description="Benefit-cost ratio; null when there is no cost.")
    payback_year: int | None = Field(
        description="First year the cumulative net is ≥ 0; null when not within the horizon."
    )


class InitiativeListOut(BusinessCaseFigures, InitiativeOut):
    pass


class InitiativePage(Schema):
    count: int | None = Field(
        description="How many rows match the filters; null on pages asked for with a cursor."
    )
    offset: int | None = Field(description="The offset asked for; null with a cursor.")
    limit: int
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
    items: list[InitiativeListOut]


class MeasurementOut(Schema):
    date: dt.date
    value: float
    note: str


class BenefitOut(Schema):
    id: int
    title: str
    description: str
    category: Literal[tuple(Category.values)]
    is_disbenefit: bool
    unit: str
    direction: Literal[tuple(Direction.values)]
    confidence: Literal[tuple(Confidence.values)]
    owner: str | None
    baseline_value: float
    baseline_date: dt.date
    target_value: float
    target_date: dt.date
    sek_per_unit: float | None = Field(description="Per unit of improvement and year.")
    valued_at_hourly_rate: bool
    latest_value: float | None
    latest_measured_on: dt.date | None
    expected_improvement: float
    realised_improvement: float | None
    realisation_rate: float | None
    planned_improvement: float = Field(description="What the plan says should be realised today.")
    behind_plan: bool
    expected_sek: float | None = Field(description="SEK per year; none without a money value.")
    realised_sek: float | None = Field(description="SEK per year; none without a money value.")
    measurement_due: bool
    measurements: list[MeasurementOut]


class GoalScoreOut(Schema):
    goal_id: int
    title: str
    score: int = Field(ge=0, le=5)
    reason: str


class BusinessCaseYearOut(Schema):
    year: int
    cost: float = Field(description="Planned costs of the year, SEK (investment and running).")
    benefit: float = Field(description="Planned benefit money of the year, SEK.")
    net: float = Field(description="Benefit − cost, SEK.")
    cumulative_net: float = Field(description="The nets summed from the base year, SEK.")
    actual_cost: float | None = Field(description="Actual costs recorded for the year, SEK.")
    realised_benefit: float | None = Field(
        description="Realised benefit money of the year, SEK; null for a future year."
    )


class BusinessCaseOut(Schema):
    base_year: int = Field(description="Year 0: the planned start's year, else the created one.")
    horizon_years: int
    discount_rate_percent: float = Field(description="A real rate, % a year.")
    npv: float = Field(description="Net present value of the planned case, SEK.")
    bcr: float | None = Field(description="Benefit-cost ratio; null when there is no cost.")
    payback_year: int | None = Field(description="First year the cumulative net is ≥ 0.")
    years: list[BusinessCaseYearOut]


class InitiativeDetailOut(InitiativeOut):
    hypothesis: str
    stop_criteria: str
    benefits: list[BenefitOut]
    goal_scores: list[GoalScoreOut]
    business_case: BusinessCaseOut = Field(
        description="Costs and benefits year by year, as on the initiative's page (DESIGN.md "
        "'Money over time')."
    )


class GoalOut(Schema):
    id: int
    title: str
    description: str
    weight: float
    order: int


class GoalList(Schema):
    count: int
    items: list[GoalOut]


class RankedFields(Schema):
    rank: int
    ref: str
    title: str
    department: str
    stage: StageName
    must_do: bool
    score: float = Field(description="Strategic score, 0–100.")
    goal_scores: dict[str, int] = Field(description="Alignment score per goal id; missing = 0.")
    budget: int | None
    expected_sek: float | None


class RankedOut(BusinessCaseFigures, RankedFields):
    pass


class RankingPage(Schema):
    weights: dict[str, float] = Field(description="The weight used for each goal id.")
    count: int
    offset: int | None = Field(description="The offset asked for; null with a cursor.")
    limit: int
    next_cursor: str | None = Field(
        description="Pass as `cursor`, with the same weights, for the next page; null on the "
        "last page."
    )
    items: list[RankedOut]


class StageCount(Schema):
    stage: StageName
    label: str
    count: int


class HeadlineOut(Schema):
    total: int
    by_stage: list[StageCount]
    health: dict[str, int] = Field(description="Open initiatives by latest health.")
    budget: int
    cost_to_date: int
    running_cost: int
    expected_sek: float | None
    realised_sek: float | None
    realisation_rate: float | None
    benefits: int
    measured: int
    behind_plan: int


class MoneyRow(Schema):
    label: str
    expected: float
    realised: float


class MonthRow(Schema):
    month: dt.date
    planned: float
    realised: float | None


class AfterProjectOut(Schema):
    expected_sek: float | None
    realised_sek: float | None = Field(
        description="SEK per year realised by the benefits of initiatives closed as completed."
    )
    benefits: int
    followed_up: int = Field(description="Benefits without a closing review yet.")
    reviewed: int = Field(description="Benefits with a closing review.")
    realised: int = Field(description="Reviewed as realised.")
    partly: int = Field(description="Reviewed as partly realised.")
    not_realised: int = Field(description="Reviewed as not realised.")


class MoneyYearRow(Schema):
    year: int
    cost_planned: float = Field(description="Planned costs of the year's cost lines, SEK.")
    cost_actual: float = Field(description="Actual amounts of the year's cost lines, SEK.")
    benefit_planned: float = Field(description="Planned benefit money of the year, SEK.")
    benefit_realised: float | None = Field(
        description="SEK/year the latest measurements show at the year's end (today for this "
        "year); null for a future year."
    )


class ActorRow(Schema):
    kind: Literal["department", "residents", "businesses", "other"]
    department: str | None = Field(description="The department's code; null for the others.")
    label: str
    pays: float = Field(description="Planned costs it bears, SEK.")
    gains: float = Field(description="Planned benefit money it gains, SEK.")
    net: float = Field(description="Gains − pays, SEK.")
    pays_for_others: float = Field(
        description="Of what it pays, the part that buys what other actors gain, SEK."
    )
    paid_by_others: float = Field(description="What other actors pay for what it gains, SEK.")


class CrossingRow(Schema):
    payer: str
    payer_code: str
    gainer: str
    gainer_code: str
    amount: float = Field(description="What the payer department pays for what the gaining "
                          "department gains, SEK.")  # fmt: skip


class DashboardOut(Schema):
    headline: HeadlineOut
    after_project: AfterProjectOut = Field(
        description="The benefits of initiatives closed as completed, after the project; they "
        "are in the headline too."
    )
    by_department: list[MoneyRow]
    by_goal: list[MoneyRow]
    over_time: list[MonthRow]
    money_by_year: list[MoneyYearRow] = Field(
        description="Each initiative's business-case years (its start year through the "
        "horizon), summed by calendar year; undiscounted."
    )
    who_pays_who_gains: list[ActorRow] = Field(
        description="Planned costs and planned benefit money by actor over each initiative's "
        "horizon, undiscounted. In each initiative every payer's money counts towards the "
        "gainers in proportion to the planned benefit money each gains."
    )
    cross_department: list[CrossingRow] = Field(
        description="The largest amounts one department pays for what another gains."
    )
