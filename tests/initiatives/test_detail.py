import datetime as dt
import re

from django.urls import reverse

from initiatives import services
from initiatives.models import CostLine
from tests.benefits.factories import TODAY, make_benefit, measure
from tests.conftest import make_initiative, make_lesson, make_update


def url(initiative) -> str:
    return reverse("initiatives:detail", args=[initiative.ref])


def test_it_shows_the_overview_updates_lessons_and_stage_history(
    client_for, office, head, own_initiative
):
    make_update(own_initiative, head, health="amber", summary="Robot files claims weekly.")
    make_lesson(own_initiative, head, text="Map the process before automating it.")
    services.stage_change(
        initiative=own_initiative, to_stage="pilot", reason="Two schools", by=office
    )
    response = client_for(head).get(url(own_initiative))
    assert response.status_code == 200
    for text in [
        "Skolmjölksroboten",
        "Robot files claims weekly.",
        "Map the process before automating it.",
        "Two schools",
        "Utbildningsförvaltningen",
    ]:
        assert text in response.text  # fmt: skip


def test_an_unknown_ref_is_404(client_for, executive, db):
    assert client_for(executive).get("/initiatives/NOPE-1/").status_code == 404


def test_the_executive_sees_no_edit_actions(client_for, executive, own_initiative):
    response = client_for(executive).get(url(own_initiative))
    assert reverse("initiatives:edit", args=[own_initiative.ref]) not in response.text
    assert response.context["update_form"] is None


def test_the_detail_page_runs_the_same_queries_for_5_and_200_initiatives(
    client_for, office, head, own_department, django_assert_num_queries
):
    def fill(n):
        for _ in range(n):
            initiative = make_initiative(own_department, owner=head)
            make_update(initiative, head)
            measure(make_benefit(initiative), TODAY, 10, head)

    def add_benefit(initiative, measurements):
        benefit = make_benefit(initiative, valued_at_hourly_rate=True)
        for days in range(measurements):
            measure(benefit, TODAY - dt.timedelta(days=days), days, head)

    fill(5)
    target = make_initiative(own_department, owner=head, ref="DIG-2026-100")
    services.progress_update_create(initiative=target, by=head, health="green", summary="Ok")
    make_lesson(target, head)
    services.stage_change(initiative=target, to_stage="pilot", reason="Go", by=office)
    add_benefit(target, 2)
    client = client_for(office)
    client.get(url(target))
    # The business case (cost lines, benefits, measurements, settings) reads 4 of them; the
    # dependencies and alternatives 2 (portfolio.link_views.links_context).
    with django_assert_num_queries(18) as first:
        client.get(url(target))
    fill(195)
    for n in range(3):
        services.progress_update_create(initiative=target, by=head, health="amber", summary=str(n))
        add_benefit(target, 5)
        # The business case's cost lines, each with its payer.
        CostLine.objects.create(
            initiative=target, year=2026 + n, kind="running", planned=1000 * n, payer=own_department
        )
    with django_assert_num_queries(len(first)):
        client.get(url(target))


def test_posting_an_update_inline_refreshes_the_updates_and_the_health(
    client_for, head, own_initiative
):
    response = client_for(head).post(
        reverse("initiatives:progress_update", args=[own_initiative.ref]),
        {"date": "2026-11-20", "health": "red", "summary": "The supplier went bankrupt."},
        headers={"HX-Request": "true", "HX-Target": "progress-updates"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="progress-updates"')
    assert "The supplier went bankrupt." in response.text
    assert 'id="initiative-health" hx-swap-oob="true"' in response.text
    assert "Red" in response.text


def test_an_invalid_inline_update_keeps_the_input_and_says_why(client_for, head, own_initiative):
    response = client_for(head).post(
        reverse("initiatives:progress_update", args=[own_initiative.ref]),
        {"date": "not a date", "health": "red", "summary": "Typed text"},
        headers={"HX-Request": "true", "HX-Target": "progress-updates"},
    )
    assert response.status_code == 422
    assert "Typed text" in response.text and "Enter a valid date" in response.text
    assert "hx-swap-oob" not in response.text


def test_the_update_form_offers_the_three_statuses_with_none_checked(
    client_for, head, own_initiative
):
    html = (
        client_for(head)
        .get(
            reverse("initiatives:progress_update", args=[own_initiative.ref]),
            headers={"HX-Request": "true", "HX-Target": "update-form"},
        )
        .content.decode()
    )
    radios = re.findall(r'<input type="radio" name="health"[^>]*>', html)
    assert [re.search(r'value="([^"]*)"', radio).group(1) for radio in radios] == [
        "green",
        "amber",
        "red",
    ]
    assert not any("checked" in radio for radio in radios)
    assert all("required" in radio for radio in radios)


def test_the_update_and_lesson_forms_are_loaded_when_opened(client_for, head, own_initiative):
    client = client_for(head)
    update_url = reverse("initiatives:progress_update", args=[own_initiative.ref])
    lesson_url = reverse("initiatives:lesson_create", args=[own_initiative.ref])
    page = client.get(url(own_initiative)).text
    assert 'name="summary"' not in page and 'name="text"' not in page
    assert f'hx-get="{update_url}"' in page and f'hx-get="{lesson_url}"' in page
    for form_url, target, section, field in [
        (update_url, "update-form", "#progress-updates", 'name="summary"'),
        (lesson_url, "lesson-form", "#lessons", 'name="text"'),
    ]:
        fragment = client.get(form_url, headers={"HX-Request": "true", "HX-Target": target})
        assert fragment.text.lstrip().startswith(f'<form id="{target}"')
        assert f'hx-target="{section}"' in fragment.text and field in fragment.text
        # Without JavaScript: the same form as a page, posting the ordinary way.
        whole = client.get(form_url)
        assert "<html" in whole.text and field in whole.text and "hx-post" not in whole.text


def test_a_refused_update_comes_back_open_on_the_page_with_what_was_typed(
    client_for, head, own_initiative
):
    response = client_for(head).post(
        reverse("initiatives:progress_update", args=[own_initiative.ref]),
        {"date": "2026-11-01", "health": "purple", "summary": "Typed text"},
    )
    assert response.status_code == 422
    assert "<details open" in response.text and "Typed text" in response.text


def test_the_loaded_forms_run_a_fixed_number_of_queries(
    client_for, head, own_initiative, django_assert_num_queries
):
    client = client_for(head)
    client.get(url(own_initiative))
    headers = {"HX-Request": "true"}
    for name, target in [("initiatives:progress_update", "update-form"),
                         ("initiatives:lesson_create", "lesson-form")]:  # fmt: skip
        form_url = reverse(name, args=[own_initiative.ref])
        # session, user, role, the initiative, the departments the head may edit
        with django_assert_num_queries(5):
            client.get(form_url, headers={**headers, "HX-Target": target})
