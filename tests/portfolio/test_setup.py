"""The first-run setup of a new municipality (portfolio/setup.py, portfolio/views/setup.py)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from benefits.models import PortfolioSetting
from organisation.models import Department, Organisation
from portfolio import setup
from portfolio.models import CouncilGoal
from tests.conftest import make_department, make_user

MIDDLEWARE = "portfolio.setup.SetupMiddleware"
STEP_URLS = [
    "portfolio:setup",
    "portfolio:setup_name",
    "portfolio:setup_departments",
    "portfolio:setup_goals",
    "portfolio:setup_rate",
    "portfolio:setup_import",
]


@pytest.fixture(autouse=True)
def setup_middleware(settings):
    """The middleware that sends people to the setup (until settings.py lists it itself)."""
    if MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]


def finished() -> bool:
    return Organisation.current().setup_completed_at is not None


# Who is sent where -------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["home", "initiatives:list", "portfolio:dashboard"])
def test_the_office_is_sent_to_the_setup_of_an_installation_not_set_up(client_for, office, page):
    response = client_for(office).get(reverse(page))
    assert response.status_code == 302 and response["Location"] == reverse("portfolio:setup")


@pytest.mark.parametrize("page", ["home", "initiatives:list", "portfolio:dashboard"])
def test_the_office_is_not_sent_to_the_setup_once_there_are_departments(
    client_for, office, own_department, page
):
    response = client_for(office).get(reverse(page))
    assert response.get("Location") != reverse("portfolio:setup")


def test_the_office_is_not_sent_to_the_setup_once_it_is_finished(client_for, office):
    Organisation.objects.create(pk=1, name="Umeå kommun", setup_completed_at="2026-01-01T00:00Z")
    response = client_for(office).get(reverse("initiatives:list"))
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["department_head", "executive"])
def test_everyone_else_sees_a_polite_page_while_the_office_sets_up(db, client_for, role):
    client = client_for(make_user(role))
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("portfolio:setup_pending")
    assert "The digitalization office is setting up the portfolio" in response.text


def test_a_user_without_a_role_is_told_so_even_while_the_office_sets_up(db, client_for):
    response = client_for(make_user(None)).get(reverse("home"))
    assert response.status_code == 200
    assert "Your account has no role yet" in response.text


def test_the_polite_page_sends_people_on_once_the_setup_is_done(client_for, executive):
    make_department()
    response = client_for(executive).get(reverse("portfolio:setup_pending"))
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_the_polite_page_sends_the_office_to_the_setup(client_for, office):
    response = client_for(office).get(reverse("portfolio:setup_pending"))
    assert response["Location"] == reverse("portfolio:setup")


def test_the_demo_city_never_sees_the_setup(db, client_for, demo_city):
    office = make_user("office")
    assert not setup.setup_needed()
    assert client_for(office).get(reverse("initiatives:list")).status_code == 200


# Permissions: the setup is organisation-wide, so department does not matter --------------------


@pytest.mark.parametrize("role", ["department_head", "executive", None])
@pytest.mark.parametrize("url", STEP_URLS)
def test_only_the_office_may_open_a_step(client_for, own_department, role, url):
    user = make_user(role, own_department)
    assert client_for(user).get(reverse(url)).status_code == 403


@pytest.mark.parametrize("role", ["department_head", "executive", None])
@pytest.mark.parametrize(
    "url,data",
    [
        ("portfolio:setup_name", {"name": "X"}),
        ("portfolio:setup_departments", {"lines": "Skola;SK", "action": "save"}),
        ("portfolio:setup_goals", {"title_1": "Mål"}),
        ("portfolio:setup_rate", {"hourly_rate": "500"}),
        ("portfolio:setup_finish", {}),
    ],
)
def test_only_the_office_may_save_a_step(db, client_for, role, url, data):
    user = make_user(role, make_department("Kultur", "KUL"))
    assert client_for(user).post(reverse(url), data).status_code == 403
    assert Organisation.current().name == "" and not finished()
    assert not Department.objects.filter(code="SK").exists() and not CouncilGoal.objects.exists()


@pytest.mark.parametrize("url", STEP_URLS[1:])
def test_the_office_may_open_every_step(client_for, office, url):
    response = client_for(office).get(reverse(url))
    assert response.status_code == 200
    assert "Setting up the portfolio: step" in response.text


# The steps ---------------------------------------------------------------------------------------


def test_each_step_shows_where_it_is_in_five(client_for, office):
    response = client_for(office).get(reverse("portfolio:setup_departments"))
    assert "step 2 of 5" in response.text
    assert f'href="{reverse("portfolio:setup_departments")}" aria-current="step"' in response.text
    assert f'<a href="{reverse("portfolio:setup_name")}">Back</a>' in response.text


def test_the_name_is_saved_and_the_next_step_follows(client_for, office):
    response = client_for(office).post(reverse("portfolio:setup_name"), {"name": " Umeå kommun "})
    assert response["Location"] == reverse("portfolio:setup_departments")
    assert Organisation.current().name == "Umeå kommun"


def test_an_empty_name_is_refused_with_a_message(client_for, office):
    response = client_for(office).post(reverse("portfolio:setup_name"), {"name": ""})
    assert response.status_code == 422 and "This field is required." in response.text


def test_the_same_name_sent_twice_records_one_change(client_for, office):
    client = client_for(office)
    for _ in range(2):
        client.post(reverse("portfolio:setup_name"), {"name": "Umeå kommun"})
    assert Organisation.history.filter(name="Umeå kommun").count() == 1
    assert Organisation.history.get(name="Umeå kommun").history_user == office


def test_pasted_departments_are_previewed_without_being_created(client_for, office):
    text = "Utbildningsförvaltningen\tUTB\nSocialförvaltningen\n\nTrafikkontoret;tk\n"
    response = client_for(office).post(
        reverse("portfolio:setup_departments"), {"lines": text, "action": "preview"}
    )
    assert response.status_code == 200
    plan = response.context["plan"]
    assert [(line.number, line.name, line.code) for line in plan.lines] == [
        (1, "Utbildningsförvaltningen", "UTB"),
        (2, "Socialförvaltningen", "SOC"),
        (4, "Trafikkontoret", "TK"),
    ]
    assert "Added, with a code made from the name." in response.text
    assert not Department.objects.exists()


def test_pasted_departments_are_created_with_history_and_the_next_step_follows(client_for, office):
    response = client_for(office).post(
        reverse("portfolio:setup_departments"),
        {"lines": "Utbildningsförvaltningen;UTB\nSocialförvaltningen", "action": "save"},
    )
    assert response["Location"] == reverse("portfolio:setup_goals")
    assert sorted(Department.objects.values_list("code", flat=True)) == ["SOC", "UTB"]
    assert Department.history.filter(history_user=office).count() == 2


def test_bad_and_duplicate_lines_are_named_by_number_and_nothing_is_created(client_for, office):
    make_department("Kulturförvaltningen", "KUL")
    text = (
        "Skola;SK\n"  # 1 fine
        "skola\n"  # 2 the same name as line 1
        "Fritid;SK\n"  # 3 the same code as line 1
        ";X\n"  # 4 no name
        "Kulturförvaltningen;KF\n"  # 5 exists with another code
        "Miljö;KUL\n"  # 6 code taken
        "A;B;C\n"  # 7 too many columns
        "Bad code;A B\n"  # 8
    )
    response = client_for(office).post(
        reverse("portfolio:setup_departments"), {"lines": text, "action": "save"}
    )
    assert response.status_code == 422
    errors = {line.number: line.error for line in response.context["plan"].lines if line.error}
    assert errors == {
        2: "The same name as line 1.",
        3: "The same code as line 1.",
        4: "The name is missing.",
        5: "Kulturförvaltningen already exists, with the code KUL.",
        6: "The code KUL is already used by Kulturförvaltningen.",
        7: "Too many columns: write the name, then optionally a code.",
        8: "A code has only letters, digits, - and _.",
    }
    assert "Line 6:" in response.text
    assert response.context["form"]["lines"].value() == text  # what was typed stays
    assert list(Department.objects.values_list("code", flat=True)) == ["KUL"]


def test_departments_already_there_are_skipped_so_sending_twice_creates_once(client_for, office):
    client = client_for(office)
    data = {"lines": "Skola;SK\nVård", "action": "save"}
    assert client.post(reverse("portfolio:setup_departments"), data).status_code == 302
    assert client.post(reverse("portfolio:setup_departments"), data).status_code == 302
    assert Department.objects.count() == 2


def test_no_departments_at_all_is_refused(client_for, office):
    response = client_for(office).post(
        reverse("portfolio:setup_departments"), {"lines": " \n", "action": "save"}
    )
    assert response.status_code == 422 and "Add at least one department." in response.text


def test_an_empty_box_continues_when_there_are_departments(client_for, office, own_department):
    response = client_for(office).post(
        reverse("portfolio:setup_departments"), {"lines": "", "action": "save"}
    )
    assert response["Location"] == reverse("portfolio:setup_goals")


def test_codes_made_from_names_are_unique():
    taken = {"SOC"}
    assert setup.code_from_name("Socialförvaltningen", taken) == "SOC2"
    assert setup.code_from_name("Stockholm Vatten och Avfall", set()) == "SVOA"
    assert setup.code_from_name("Äldreförvaltningen", set()) == "ALD"
    assert setup.code_from_name("—", set()) == "DEP"


def test_two_pasted_names_that_make_the_same_code_get_different_codes(db):
    plan = setup.departments_plan("Stadsbyggnadskontoret\nStadsledningskontoret\nSTA-huset;STA")
    assert [line.code for line in plan.lines] == ["STA2", "STA3", "STA"]


def test_too_many_lines_at_once_are_refused(db):
    with translation.override("en"):
        plan = setup.departments_plan("\n".join(f"D{n}" for n in range(501)))
    assert not plan.ok and plan.error == "At most 500 departments at a time."


def test_ticked_suggestions_and_typed_goals_are_created(client_for, office):
    data = {"suggestion_0": "on", "title_1": "Digitalt först", "description_1": "Självservice.",
            "weight_1": "2.5"}  # fmt: skip
    response = client_for(office).post(reverse("portfolio:setup_goals"), data)
    assert response["Location"] == reverse("portfolio:setup_rate")
    goals = list(CouncilGoal.objects.values_list("title", "weight", "order"))
    assert goals == [
        ("En sammanhållen stad med jämlik välfärd", Decimal("1.5"), 1),
        ("Digitalt först", Decimal("2.5"), 2),
    ]


def test_at_least_one_goal_is_needed(client_for, office):
    response = client_for(office).post(reverse("portfolio:setup_goals"), {})
    assert response.status_code == 422 and "Tick or write at least one goal." in response.text


def test_a_goal_without_a_title_is_refused_and_what_was_typed_stays(client_for, office):
    data = {"description_2": "Något viktigt", "weight_2": "3"}
    response = client_for(office).post(reverse("portfolio:setup_goals"), data)
    assert response.status_code == 422 and "Give the goal a title." in response.text
    assert "Något viktigt" in response.text and not CouncilGoal.objects.exists()


def test_the_goals_form_sent_twice_adds_each_goal_once(client_for, office):
    client = client_for(office)
    for _ in range(2):
        client.post(reverse("portfolio:setup_goals"), {"title_1": "Digitalt först"})
    assert CouncilGoal.objects.count() == 1


def test_a_suggestion_already_added_is_not_offered_again(client_for, office):
    client = client_for(office)
    client.post(reverse("portfolio:setup_goals"), {"suggestion_1": "on"})
    page = client.get(reverse("portfolio:setup_goals"))
    assert [f.label for f in page.context["form"].suggestion_fields()] == [
        "En sammanhållen stad med jämlik välfärd",
        "En hållbar ekonomi med utbildning, jobb och bostäder",
    ]
    # With a goal there, continuing without adding one is fine.
    assert client.post(reverse("portfolio:setup_goals"), {}).status_code == 302


def test_the_hourly_rate_is_saved(client_for, office):
    response = client_for(office).post(reverse("portfolio:setup_rate"), {"hourly_rate": "520"})
    assert response["Location"] == reverse("portfolio:setup_import")
    assert PortfolioSetting.current().hourly_rate == Decimal("520")


def test_a_negative_hourly_rate_is_refused(client_for, office):
    response = client_for(office).post(reverse("portfolio:setup_rate"), {"hourly_rate": "-1"})
    assert response.status_code == 422 and PortfolioSetting.current().hourly_rate == 450


def test_the_import_step_links_to_the_templates_and_the_import_page(client_for, office):
    page = client_for(office).get(reverse("portfolio:setup_import")).text
    for kind in ("initiatives", "benefits", "measurements"):
        assert reverse("portfolio:import_template", args=[kind]) in page
    assert f'href="{reverse("portfolio:import")}"' in page


def test_the_import_page_leads_back_to_the_setup_until_it_is_finished(client_for, office):
    client = client_for(office)
    assert reverse("portfolio:setup_import") in client.get(reverse("portfolio:import")).text
    Organisation.current()
    Organisation.objects.filter(pk=1).update(setup_completed_at="2026-01-01T00:00Z")
    assert reverse("portfolio:setup_import") not in client.get(reverse("portfolio:import")).text


# Resume and finish -------------------------------------------------------------------------------


def set_up_everything(by):
    setup.organisation_rename(name="Umeå kommun", by=by)
    setup.departments_create_from_text(text="Skola;SK", by=by)
    setup.goals_add(goals=[setup.GoalDraft(title="Digitalt först")], by=by)


@pytest.mark.parametrize(
    "done,step",
    [(0, "portfolio:setup_name"), (1, "portfolio:setup_departments"),
     (2, "portfolio:setup_goals"), (3, "portfolio:setup_rate")],
)  # fmt: skip
def test_coming_back_resumes_at_the_first_step_not_done(client_for, office, done, step):
    if done >= 1:
        setup.organisation_rename(name="Umeå kommun", by=office)
    if done >= 2:
        setup.departments_create_from_text(text="Skola;SK", by=office)
    if done >= 3:
        setup.goals_add(goals=[setup.GoalDraft(title="Digitalt först")], by=office)
    assert client_for(office).get(reverse("portfolio:setup"))["Location"] == reverse(step)


def test_coming_back_after_the_last_step_resumes_there(client_for, office):
    set_up_everything(office)
    client = client_for(office)
    client.get(reverse("portfolio:setup_import"))
    assert client.get(reverse("portfolio:setup"))["Location"] == reverse("portfolio:setup_import")


def test_finishing_records_who_and_when_and_closes_the_steps(client_for, office):
    set_up_everything(office)
    client = client_for(office)
    response = client.post(reverse("portfolio:setup_finish"))
    assert response["Location"] == reverse("home")
    assert finished()
    assert Organisation.history.latest().history_user == office
    closed = client.get(reverse("portfolio:setup_goals"))
    assert closed.status_code == 302 and closed["Location"] == reverse("home")


def test_finishing_twice_writes_once(client_for, office):
    set_up_everything(office)
    client = client_for(office)
    client.post(reverse("portfolio:setup_finish"))
    first = Organisation.current().setup_completed_at
    response = client.post(reverse("portfolio:setup_finish"), follow=True)
    assert response.status_code == 200 and "The setup was already finished." in response.text
    assert Organisation.current().setup_completed_at == first
    assert Organisation.history.exclude(setup_completed_at=None).count() == 1


def test_finishing_without_departments_or_goals_says_what_is_missing(client_for, office):
    setup.organisation_rename(name="Umeå kommun", by=office)
    response = client_for(office).post(reverse("portfolio:setup_finish"))
    assert response.status_code == 422
    assert "There are no departments yet." in response.text
    assert "There are no council goals yet." in response.text
    assert not finished()


def test_a_line_the_department_rules_refuse_is_named_and_nothing_is_created(office, monkeypatch):
    from organisation import services as organisation_services

    real = organisation_services.department_create

    def refuse_the_second(**fields):
        if fields["name"] == "Kulturförvaltningen":
            raise organisation_services.DepartmentRefused("Taken.", field="name")
        return real(**fields)

    monkeypatch.setattr(setup, "department_create", refuse_the_second)
    plan = setup.departments_create_from_text(
        text="Miljöförvaltningen\nKulturförvaltningen", by=office
    )
    assert not plan.ok
    assert [line.error for line in plan.lines] == ["", "Taken."]
    assert not Department.objects.exists()
