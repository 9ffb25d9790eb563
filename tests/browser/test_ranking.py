"""Council goals and the prioritisation in the browser: live re-ranking, sensitivity, budget,
inline goal scores on the initiative page, and WCAG scans of every new page."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Locator, Page, expect

from portfolio.models import Alignment, CouncilGoal, Decision
from tests.browser.conftest import assert_not_reloaded, mark_window, shown
from tests.browser.test_accessibility import readable, scan, wait_for_charts
from tests.conftest import make_initiative

RANKING = "/portfolio/ranking/"
# With only the must-do sensors in (2 MSEK), 3 MSEK are left: the optimum takes the lights
# (3 MSEK), while the rank order stops at the care initiative (4 MSEK), which does not fit.
BUDGET = 5_000_000


@pytest.fixture
def goals(db) -> list[CouncilGoal]:
    return [
        CouncilGoal.objects.create(title="Välfärd", weight=Decimal("2"), order=1),
        CouncilGoal.objects.create(title="Klimat", weight=Decimal("1"), order=2),
    ]


@pytest.fixture
def candidates(goals, own_department, other_department) -> dict:
    """Three scored initiatives: A, C, B under the saved weights 2/1; B, C, A under 1/3.

    care 100×(2·5)/15 = 66.7, sensors 100×(2·1 + 4)/15 = 40, lights 100×5/15 = 33.3; with 1/3:
    lights 100×15/20 = 75, sensors 100×13/20 = 65, care 100×5/20 = 25.
    """
    welfare, climate = goals
    care = make_initiative(
        own_department, ref="DIG-2026-101", title="Digital omsorg", budget=4_000_000
    )
    lights = make_initiative(
        other_department, ref="DIG-2026-102", title="Smarta trafikljus", budget=3_000_000
    )
    sensors = make_initiative(
        other_department,
        ref="DIG-2026-103",
        title="Energisensorer",
        budget=2_000_000,
        must_do=True,
    )
    for initiative, goal, value in [
        (care, welfare, 5),
        (lights, climate, 5),
        (sensors, welfare, 1),
        (sensors, climate, 4),
    ]:
        Alignment.objects.create(
            initiative=initiative, goal=goal, score=value, reason=f"Scored {value}."
        )
    return {"care": care, "lights": lights, "sensors": sensors}


def ranking_rows(page: Page) -> Locator:
    return page.locator("#ranking-table tbody tr")


def ranked_refs(page: Page) -> list[str]:
    return ranking_rows(page).evaluate_all("rows => rows.map(row => row.dataset.ref)")


def weight_input(page: Page, goal: CouncilGoal) -> Locator:
    return page.locator(f"#ranking-form input[name=w_{goal.pk}]")


def sensitivity_button(page: Page) -> Locator:
    return page.locator(f"form[action='{RANKING}sensitivity/'] button[type=submit]")


def goal_row(page: Page, goal: CouncilGoal) -> Locator:
    """The goal's row in the #goals section: re-resolves to the new row after a swap."""
    return page.locator("#goals tbody tr").filter(
        has=page.locator("th", has_text=re.compile(rf"^{re.escape(goal.title)}$"))
    )


def test_changing_a_weight_reranks_without_a_page_load(
    log_in, page: Page, console_errors, executive, goals, candidates
):
    welfare, climate = goals
    care, lights, sensors = candidates["care"], candidates["lights"], candidates["sensors"]
    log_in(executive)
    page.goto(RANKING)
    expect(ranking_rows(page)).to_have_count(3)
    assert ranked_refs(page) == [care.ref, sensors.ref, lights.ref]
    # Under the saved weights nothing has moved.
    expect(page.locator("#ranking-table .up, #ranking-table .down")).to_have_count(0)
    mark_window(page)

    weight_input(page, welfare).fill("1")
    weight_input(page, climate).fill("3")
    weight_input(page, climate).press("Tab")

    expect(ranking_rows(page).first).to_have_attribute("data-ref", lights.ref)
    expect(ranking_rows(page).last).to_have_attribute("data-ref", care.ref)
    assert ranked_refs(page) == [lights.ref, sensors.ref, care.ref]
    lights_row = page.locator(f"#ranking-table tr[data-ref='{lights.ref}']")
    care_row = page.locator(f"#ranking-table tr[data-ref='{care.ref}']")
    expect(lights_row.locator(".up")).to_be_visible()
    expect(lights_row.locator(".up")).to_have_text("▲ 2")
    expect(care_row.locator(".down")).to_be_visible()
    expect(care_row.locator(".down")).to_have_text("▼ 2")
    expect(lights_row.locator("[data-testid=score]")).to_have_text(re.compile(r"^75([,.]0)?$"))
    expect(page).to_have_url(re.compile(rf"[?&]w_{welfare.pk}=1(&|$)"))
    expect(page).to_have_url(re.compile(rf"[?&]w_{climate.pk}=3(&|$)"))
    # The typed weights stay in the form.
    expect(weight_input(page, welfare)).to_have_value("1")
    expect(weight_input(page, climate)).to_have_value("3")
    assert_not_reloaded(page)
    assert console_errors == []


def test_a_decision_saved_after_reranking_records_the_typed_weights(
    log_in, page: Page, console_errors, office, goals, candidates
):
    welfare, climate = goals
    log_in(office)
    page.goto(RANKING)
    weight_input(page, welfare).fill("1")
    weight_input(page, climate).fill("3")
    weight_input(page, climate).press("Tab")
    expect(ranking_rows(page).first).to_have_attribute("data-ref", candidates["lights"].ref)

    page.locator("textarea[name=comment]").fill("Climate first, as the council decided.")
    page.locator("form[action='/portfolio/decisions/new/'] button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/portfolio/decisions/\d+/$"))
    decision = Decision.objects.get()
    assert decision.weights == {welfare.title: 1.0, climate.title: 3.0}
    assert [row["ref"] for row in decision.ranking] == [
        candidates["lights"].ref,
        candidates["sensors"].ref,
        candidates["care"].ref,
    ]
    assert console_errors == []


def test_the_sensitivity_analysis_loads_in_place(
    log_in, page: Page, console_errors, executive, candidates
):
    log_in(executive)
    page.goto(RANKING)
    expect(ranking_rows(page)).to_have_count(3)
    expect(page.locator("#sensitivity")).to_be_empty()
    mark_window(page)

    sensitivity_button(page).click()

    sensitivity = page.locator("#sensitivity")
    expect(sensitivity.locator("table tbody tr")).to_have_count(3)
    expect(sensitivity.locator("[data-testid=top-share]")).to_have_count(3)
    expect(page.locator("#chart-sensitivity svg.main-svg").first).to_be_attached(timeout=15_000)
    expect(page).to_have_url(re.compile(rf"{re.escape(RANKING)}$"))  # no push, no load
    assert_not_reloaded(page)
    assert console_errors == []


def test_a_budget_shows_the_optimal_and_greedy_sets_and_the_frontier(
    log_in, page: Page, console_errors, executive, candidates
):
    log_in(executive)
    page.goto(f"{RANKING}?budget={BUDGET}")
    # The frontier (up to twelve solves) loads only when asked for.
    expect(page.locator("#chart-frontier")).to_have_count(0)
    page.get_by_role(
        "link",
        name=shown("Show the efficient frontier: the best achievable score for each budget level"),
    ).click()
    expect(page.locator("#chart-frontier svg.main-svg").first).to_be_attached(timeout=15_000)
    # Optimal: sensors 40 + lights 33.3; rank order: sensors 40, then care does not fit.
    expect(page.locator("[data-testid=optimal-score]")).to_have_text(re.compile(r"^73[,.]3$"))
    expect(page.locator("[data-testid=greedy-score]")).to_have_text(re.compile(r"^40([,.]0)?$"))
    expect(page.locator("#budget-heading")).to_be_visible()
    assert console_errors == []


def test_the_office_scores_an_initiative_inline_and_an_executive_reads_it(
    log_in, page: Page, console_errors, office, executive, goals, own_department
):
    welfare, climate = goals
    initiative = make_initiative(own_department, ref="DIG-2026-110", title="E-arkiv")
    log_in(office)
    page.goto(f"/initiatives/{initiative.ref}/")
    section = page.locator("#goals")
    expect(section.locator("form")).to_have_count(0)  # the scores are read until "Edit scores"
    mark_window(page)
    section.get_by_role("link", name=shown("Edit scores")).click()
    expect(section.locator("form")).to_have_count(2)

    row = goal_row(page, welfare)
    row.locator(f"select[name='g{welfare.pk}-score']").select_option("4")
    row.locator(f"input[name='g{welfare.pk}-reason']").fill("Frees time for care work.")
    row.locator("button[type=submit]").click()

    expect(section.locator("[role=status].posted")).to_have_text(shown("The score was saved."))
    # The swapped section still offers the form, with the saved reason. (The saved score in the
    # select: test_the_office_sees_the_saved_score_in_the_form, a known app bug.)
    expect(goal_row(page, welfare).locator(f"input[name='g{welfare.pk}-reason']")).to_have_value(
        "Frees time for care work."
    )
    expect(section.locator("form")).to_have_count(2)
    assert_not_reloaded(page)
    alignment = Alignment.objects.get(initiative=initiative, goal=welfare)
    assert (alignment.score, alignment.reason, alignment.updated_by) == (
        4,
        "Frees time for care work.",
        office,
    )
    assert not Alignment.objects.filter(initiative=initiative, goal=climate).exists()
    assert console_errors == []

    page.context.clear_cookies()
    log_in(executive)
    page.goto(f"/initiatives/{initiative.ref}/")
    expect(section).to_be_visible()
    expect(section.locator("form, select, input, button")).to_have_count(0)
    expect(goal_row(page, welfare).locator("td").nth(0)).to_have_text("4")
    expect(goal_row(page, welfare).locator("td").nth(1)).to_have_text("Frees time for care work.")
    expect(goal_row(page, climate).locator("td").nth(0)).to_have_text("0")
    expect(goal_row(page, climate).locator("td").nth(1)).to_have_text(shown("Not scored"))
    assert console_errors == []


def test_the_prioritisation_pages_have_no_wcag_violations(
    log_in, page: Page, office, goals, candidates
):
    found: dict[str, list[dict]] = {}
    log_in(office)

    page.goto(f"{RANKING}?budget={BUDGET}")
    page.get_by_role(
        "link",
        name=shown("Show the efficient frontier: the best achievable score for each budget level"),
    ).click()
    expect(page.locator("#chart-frontier svg.main-svg").first).to_be_attached(timeout=15_000)
    sensitivity_button(page).click()
    expect(page.locator("#chart-sensitivity svg.main-svg").first).to_be_attached(timeout=15_000)
    wait_for_charts(page)
    scan(page, f"ranking with a budget and the sensitivity {RANKING}?budget={BUDGET}", found)

    # Save a decision through the form on the ranking page.
    page.locator("textarea[name=comment]").fill("The executive committee chose the optimal set.")
    page.locator("form[action='/portfolio/decisions/new/'] button[type=submit]").click()
    decision = Decision.objects.get()
    expect(page).to_have_url(re.compile(rf"/portfolio/decisions/{decision.pk}/$"))
    expect(page.locator("main h1")).to_be_visible()
    assert decision.budget == BUDGET
    assert [row["ref"] for row in decision.ranking] == [
        candidates["care"].ref,
        candidates["sensors"].ref,
        candidates["lights"].ref,
    ]
    assert sorted(decision.selection) == [candidates["lights"].ref, candidates["sensors"].ref]
    scan(page, f"saved decision /portfolio/decisions/{decision.pk}/", found)

    for where, path in [
        ("decisions", "/portfolio/decisions/"),
        ("goals", "/portfolio/goals/"),
        ("new goal", "/portfolio/goals/new/"),
    ]:
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        scan(page, f"{where} {path}", found)

    page.locator("#id_title").fill("Trygghet")
    page.locator("#id_weight").fill("-1")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#id_weight")).to_have_attribute("aria-invalid", "true")
    scan(page, "new goal with a negative weight", found)

    # A third goal, so that the comparisons can contradict each other.
    safety = CouncilGoal.objects.create(title="Trygghet", weight=Decimal("1"), order=3)
    welfare, climate = goals
    page.goto("/portfolio/goals/ahp/")
    expect(page.locator("main h1")).to_be_visible()
    scan(page, "AHP /portfolio/goals/ahp/", found)

    # Welfare ≫ climate ≫ safety, and yet safety ≫ welfare: CR far above 0.10.
    page.locator(f"select[name=p_{welfare.pk}_{climate.pk}]").select_option("9")
    page.locator(f"select[name=p_{climate.pk}_{safety.pk}]").select_option("9")
    page.locator(f"select[name=p_{welfare.pk}_{safety.pk}]").select_option("1/9")
    page.locator("main form button[name=action][value=compute]").click()
    expect(page.locator("[data-testid=ahp-weight]")).to_have_count(3)
    expect(page.locator("#ahp-result ~ p .plan-behind")).to_be_visible()
    scan(page, "AHP with an inconsistent result", found)

    detail = f"/initiatives/{candidates['care'].ref}/"
    page.goto(detail)
    page.locator("#goals").get_by_role("link", name=shown("Edit scores")).click()
    expect(page.locator("#goals form")).to_have_count(3)
    wait_for_charts(page)
    scan(page, f"initiative with its goal scores {detail}", found)

    assert not found, f"WCAG 2.1 AA violations:{readable(found)}"


def test_the_office_sees_the_saved_score_in_the_form(log_in, page: Page, office, goals, candidates):
    welfare, climate = goals
    care = candidates["care"]  # scored 5 against welfare
    log_in(office)
    page.goto(f"/initiatives/{care.ref}/")
    page.locator("#goals").get_by_role("link", name=shown("Edit scores")).click()
    row = goal_row(page, welfare)
    expect(row.locator(f"input[name='g{welfare.pk}-reason']")).to_have_value("Scored 5.")
    expect(row.locator(f"select[name='g{welfare.pk}-score']")).to_have_value("5")
