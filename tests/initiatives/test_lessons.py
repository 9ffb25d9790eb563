from django.urls import reverse

from tests.conftest import make_initiative, make_lesson

URL = reverse("initiatives:lessons")


def test_the_register_searches_lessons_across_the_portfolio(
    client_for, executive, head, own_department, other_department
):
    robot = make_initiative(own_department, title="Skolmjölksroboten")
    lights = make_initiative(other_department, title="Smarta trafikljus")
    make_lesson(robot, head, text="Map the process before automating it.", kind="advice")
    make_lesson(lights, head, text="Sensors need maintenance budgets.", kind="did_not_work")
    client = client_for(executive)
    assert client.get(URL).context["page"].paginator.count == 2
    found = client.get(URL, {"q": "automating"}).context["page"]
    assert [lesson.text for lesson in found] == ["Map the process before automating it."]
    by_title = client.get(URL, {"q": "trafikljus"}).context["page"]
    assert [lesson.initiative for lesson in by_title] == [lights]
    by_kind = client.get(URL, {"kind": "did_not_work"}).context["page"]
    assert [lesson.initiative for lesson in by_kind] == [lights]


def test_lessons_of_archived_initiatives_are_hidden_from_executives(
    client_for, executive, head, own_department
):
    from django.utils import timezone

    robot = make_initiative(own_department, archived_at=timezone.now())
    make_lesson(robot, head)
    assert client_for(executive).get(URL).context["page"].paginator.count == 0


def test_a_lesson_is_added_inline_on_the_detail_page(client_for, head, own_initiative):
    response = client_for(head).post(
        reverse("initiatives:lesson_create", args=[own_initiative.ref]),
        {"kind": "worked", "text": "Weekly demos kept the staff on board."},
        headers={"HX-Request": "true", "HX-Target": "lessons"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="lessons"')
    assert "Weekly demos kept the staff on board." in response.text


def test_the_register_runs_the_same_queries_for_5_and_200_lessons(
    client_for, executive, head, own_department, django_assert_num_queries
):
    def fill(n):
        for _ in range(n):
            make_lesson(make_initiative(own_department), head)

    client = client_for(executive)
    fill(5)
    client.get(URL)
    with django_assert_num_queries(5) as first:
        client.get(URL)
    fill(195)
    with django_assert_num_queries(len(first)):
        client.get(URL)
