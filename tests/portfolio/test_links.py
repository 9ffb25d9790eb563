""" "Requires" links and groups of alternatives (issue 14): the models' rules, what the budget
selection reads (`constraints_for`, `labels_for`), and the office's editing on the initiative
page with its permission matrix and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from initiatives.models import Initiative
from portfolio import links
from portfolio.models import Alternative, AlternativeGroup, Dependency
from tests.conftest import make_initiative, make_user


@pytest.fixture(autouse=True)
def english():
    """The messages below are compared in English (the site's default language is Swedish)."""
    with translation.override("en"):
        yield


HTMX = {"HX-Request": "true", "HX-Target": "dependencies"}


def requires(initiative: Initiative, required: Initiative) -> Dependency:
    return Dependency.objects.create(initiative=initiative, required=required)


def group_of(name: str, *members: Initiative) -> AlternativeGroup:
    group = AlternativeGroup.objects.create(name=name)
    for member in members:
        Alternative.objects.create(group=group, initiative=member)
    return group


def refused(error: pytest.ExceptionInfo) -> str:
    return " ".join(
        message for messages in error.value.message_dict.values() for message in messages
    )


# --- The models' rules ------------------------------------------------------------------------


def test_an_initiative_cannot_require_itself(own_initiative):
    with pytest.raises(ValidationError) as error:
        Dependency(initiative=own_initiative, required=own_initiative).full_clean()
    assert refused(error) == "An initiative cannot require itself."
    with pytest.raises(IntegrityError), transaction.atomic():
        requires(own_initiative, own_initiative)


def test_a_link_is_recorded_once(own_initiative, other_initiative):
    requires(own_initiative, other_initiative)
    with pytest.raises(ValidationError) as error:
        Dependency(initiative=own_initiative, required=other_initiative).full_clean()
    assert refused(error) == "DIG-2026-001 already requires DIG-2026-002."
    with pytest.raises(IntegrityError), transaction.atomic():
        requires(own_initiative, other_initiative)


def test_a_link_that_closes_a_circle_is_refused_with_the_circle(own_department):
    a, b, c = (make_initiative(own_department, ref=f"DIG-2026-10{n}") for n in (1, 2, 3))
    requires(a, b)
    requires(b, c)
    with pytest.raises(ValidationError) as error:
        Dependency(initiative=c, required=a).full_clean()
    assert refused(error) == (
        "DIG-2026-103 cannot require DIG-2026-101: DIG-2026-101 already requires DIG-2026-103 "
        "(DIG-2026-101 → DIG-2026-102 → DIG-2026-103), and a circle of requirements could never "
        "be started."
    )
    Dependency(initiative=a, required=c).full_clean()  # a shortcut is no circle


def test_an_archived_initiative_cannot_be_required(own_initiative, other_initiative):
    Initiative.objects.filter(pk=other_initiative.pk).update(archived_at=timezone.now())
    with pytest.raises(ValidationError) as error:
        Dependency(initiative=own_initiative, required=other_initiative).full_clean()
    assert refused(error) == "DIG-2026-002 is archived: it cannot be required."


def test_an_initiative_is_in_one_group_at_most(own_initiative, other_initiative):
    first = group_of("Första", own_initiative)
    second = group_of("Andra", other_initiative)
    with pytest.raises(ValidationError) as error:
        Alternative(group=second, initiative=own_initiative).full_clean()
    assert "DIG-2026-001 is already in the group “Första”" in refused(error)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alternative.objects.create(group=second, initiative=own_initiative)
    assert first.members.count() == 1


def test_a_group_name_is_unique_whatever_the_case(db):
    AlternativeGroup.objects.create(name="Nattlig tillsyn")
    with pytest.raises(ValidationError) as error:
        AlternativeGroup(name="  nattlig   TILLSYN ").full_clean()
    assert "There is already a group called “nattlig TILLSYN”" in refused(error)
    with pytest.raises(IntegrityError), transaction.atomic():
        AlternativeGroup.objects.create(name="NATTLIG TILLSYN")


# --- constraints_for and labels_for -----------------------------------------------------------


@pytest.fixture
def make(own_department):
    def make_one(stage: str = "idea", **fields) -> Initiative:
        return make_initiative(own_department, stage=stage, **fields)

    return make_one


def test_a_requirement_in_operation_is_met_and_dropped(make):
    running, scaling = make("operation"), make("scaling")
    requires(scaling, running)
    found = links.constraints_for([scaling.pk])
    assert found.requires.shape == (0, 2)
    assert found.blocked.tolist() == [False]


def test_a_requirement_among_the_candidates_is_a_pair_of_positions(make):
    pilot, scaling, other = make("pilot"), make("scaling"), make("idea")
    requires(scaling, pilot)
    found = links.constraints_for(np.array([other.pk, pilot.pk, scaling.pk]))
    assert found.requires.tolist() == [[2, 1]]
    assert found.requires.dtype == np.int64
    assert found.blocked.tolist() == [False, False, False]


@pytest.mark.parametrize(
    "stage, outcome, archived",
    [("closed", "completed", False), ("closed", "stopped", False), ("operation", "", True),
     ("idea", "", False)],
)  # fmt: skip
def test_a_requirement_neither_chosen_nor_in_operation_blocks(make, stage, outcome, archived):
    required = make(stage, outcome=outcome)
    if archived:
        Initiative.objects.filter(pk=required.pk).update(archived_at=timezone.now())
    wanting, free = make("idea"), make("idea")
    requires(wanting, required)
    found = links.constraints_for([free.pk, wanting.pk])  # the required one is no candidate
    assert found.blocked.tolist() == [False, True]
    assert found.requires.shape == (0, 2)
    assert found.taken_alternative.tolist() == [False, False]


def test_blocking_spreads_to_whatever_requires_a_blocked_one(make):
    stopped = make("closed", outcome="stopped")
    b, c, d, free = make("pilot"), make("idea"), make("idea"), make("idea")
    requires(b, stopped)
    requires(c, b)
    requires(d, c)
    requires(free, make("operation"))
    found = links.constraints_for([d.pk, free.pk, c.pk, b.pk])
    assert found.blocked.tolist() == [True, False, True, True]
    assert found.requires.shape == (0, 2)  # those left hold only between blocked ones


def test_a_group_with_a_member_in_operation_blocks_its_other_members(make):
    running, pilot, idea, outside = make("operation"), make("pilot"), make("idea"), make("idea")
    group_of("Nattlig tillsyn", running, pilot, idea)
    wanting = make("idea")
    requires(wanting, pilot)
    found = links.constraints_for([outside.pk, idea.pk, pilot.pk, wanting.pk])
    assert found.taken_alternative.tolist() == [False, True, True, False]
    assert found.blocked.tolist() == [False, True, True, True]  # and what requires one of them
    assert found.groups == []
    assert found.requires.shape == (0, 2)


def test_a_group_gives_the_positions_of_its_candidate_members(make):
    first, second, third, not_candidate, alone = (make("idea") for _ in range(5))
    group_of("Tre vägar", first, second, third, not_candidate)
    group_of("Ensam", alone)
    found = links.constraints_for([third.pk, alone.pk, first.pk])
    assert [group.tolist() for group in found.groups] == [[0, 2]]
    assert not found.blocked.any()
    only_one = links.constraints_for([first.pk, alone.pk])
    assert only_one.groups == []


def test_a_group_keeps_to_its_members_that_are_not_blocked(make):
    first, second, third = make("idea"), make("idea"), make("idea")
    group_of("Tre vägar", first, second, third)
    requires(third, make("closed", outcome="stopped"))
    found = links.constraints_for([first.pk, second.pk, third.pk])
    assert found.blocked.tolist() == [False, False, True]
    assert [group.tolist() for group in found.groups] == [[0, 1]]


def test_no_candidates_no_queries(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        found = links.constraints_for([])
    assert found.requires.shape == (0, 2) and len(found.blocked) == 0


@pytest.mark.parametrize("size", [5, 200])
def test_constraints_take_two_queries_whatever_the_number(
    own_department, django_assert_num_queries, size
):
    candidates = [make_initiative(own_department, stage="pilot") for _ in range(size)]
    for index in range(1, size):
        requires(candidates[index], candidates[index - 1])
    for index in range(0, size - 1, 2):
        group_of(f"Grupp {index}", candidates[index], candidates[index + 1])
    ids = [candidate.pk for candidate in candidates]
    with django_assert_num_queries(2):
        found = links.constraints_for(ids)
    assert len(found.requires) == size - 1 and len(found.groups) == size // 2
    with django_assert_num_queries(2):
        labels = links.labels_for(ids)
    assert labels[ids[1]] == {"requires": [candidates[0].ref], "group": "Grupp 0"}


def test_many_candidates_never_meet_the_parameter_limit(own_department):
    department_id = own_department.pk
    Initiative.objects.bulk_create(
        Initiative(ref=f"MANY-{n:05d}", title=f"Många {n}", department_id=department_id)
        for n in range(1_200)
    )
    many = Initiative.objects.filter(ref__startswith="MANY-").order_by("ref")
    ids = list(many.values_list("pk", flat=True))
    requires(Initiative.objects.get(pk=ids[-1]), Initiative.objects.get(pk=ids[0]))
    group_of("Två", Initiative.objects.get(pk=ids[5]), Initiative.objects.get(pk=ids[1_100]))
    for found in (links.constraints_for(ids), links.constraints_for(ids, queryset=many)):
        assert found.requires.tolist() == [[1_199, 0]]
        assert [group.tolist() for group in found.groups] == [[5, 1_100]]
    assert links.labels_for(ids)[ids[-1]]["requires"] == ["MANY-00000"]
    assert links.labels_for(ids, queryset=many)[ids[5]]["group"] == "Två"


def test_labels_give_the_refs_required_and_a_group_of_two_or_more(make):
    a, b, c = make(ref="DIG-2026-201"), make(ref="DIG-2026-202"), make(ref="DIG-2026-203")
    lone = make()
    requires(c, b)
    requires(c, a)
    group_of("Två vägar", a, b)
    group_of("Ensam", lone)
    assert links.labels_for([c.pk, a.pk, lone.pk]) == {
        c.pk: {"requires": ["DIG-2026-201", "DIG-2026-202"], "group": None},
        a.pk: {"requires": [], "group": "Två vägar"},
        lone.pk: {"requires": [], "group": None},
    }


def test_the_ranking_cell_reads_as_text():
    from django.template.loader import render_to_string

    cell = render_to_string(
        "portfolio/_links_cell.html", {"row": {"requires": ["DIG-2024-003"], "group": "A & B"}}
    )
    assert "requires DIG-2024-003" in cell and "alternative: A &amp; B" in cell
    empty = render_to_string("portfolio/_links_cell.html", {"row": {"requires": [], "group": None}})
    assert "No requirements or alternatives" in empty


# --- Editing on the initiative page: who may -------------------------------------------------


@pytest.fixture
def initiatives(own_initiative, other_initiative, own_department):
    """The initiative edited (own department), the one it may require (other department), one
    already required and a group it is in."""
    pilot = make_initiative(own_department, ref="DIG-2025-011", stage="pilot")
    requires(own_initiative, pilot)
    return {"own": own_initiative, "other": other_initiative, "pilot": pilot}


def users(office, head, executive, other_department) -> dict:
    return {
        "office": office,
        "head own": head,
        "head other": make_user("department_head", other_department),
        "executive": executive,
        "no role": make_user(None),
        "anonymous": None,
    }


def url(name: str, initiative: Initiative) -> str:
    return reverse(f"portfolio:{name}", args=[initiative.ref])


def writes(initiatives) -> dict:
    """Every write each action may make, and its data."""
    own, other, pilot = initiatives["own"], initiatives["other"], initiatives["pilot"]
    link = Dependency.objects.get(initiative=own, required=pilot)
    return {
        "add link": (url("requires_add", own), {"requires-required": other.ref}),
        "remove link": (url("requires_remove", own), {"link": link.pk}),
        "set group": (url("group_set", own), {"group-new_group": "Nattlig tillsyn"}),
    }


def state() -> tuple:
    return (
        sorted(Dependency.objects.values_list("initiative_id", "required_id")),
        sorted(Alternative.objects.values_list("group__name", "initiative_id")),
    )


@pytest.mark.parametrize(
    "who, expected",
    [("office", 302), ("head own", 403), ("head other", 403), ("executive", 403),
     ("no role", 403), ("anonymous", 302)],
)  # fmt: skip
@pytest.mark.parametrize("action", ["add link", "remove link", "set group", "leave group"])
def test_only_the_office_changes_links_and_groups(
    client_for, office, head, executive, other_department, initiatives, who, expected, action
):
    own = initiatives["own"]
    if action == "leave group":
        group_of("Redan", own, initiatives["other"])
        address, data = url("group_leave", own), {}
    else:
        address, data = writes(initiatives)[action]
    before = state()
    response = client_for(users(office, head, executive, other_department)[who]).post(address, data)
    assert response.status_code == expected
    if who == "office":
        assert response.url == f"{own.get_absolute_url()}#dependencies"
        assert state() != before
    else:
        assert state() == before
        if who == "anonymous":
            assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "who, page, form",
    [("office", 200, 200), ("head own", 200, 403), ("head other", 200, 403),
     ("executive", 200, 403), ("no role", 403, 403), ("anonymous", 302, 302)],
)  # fmt: skip
def test_everyone_who_reads_the_initiative_sees_the_section_and_only_the_office_edits(
    client_for, office, head, executive, other_department, initiatives, who, page, form
):
    client = client_for(users(office, head, executive, other_department)[who])
    own = initiatives["own"]
    response = client.get(own.get_absolute_url())
    assert response.status_code == page
    if page == 200:
        html = response.content.decode()
        assert 'id="dependencies"' in html and "DIG-2025-011" in html
        assert ("Edit dependencies and alternatives" in html) == (who == "office")
        assert "Add the requirement" not in html
    assert client.get(url("links", own)).status_code == form


def test_the_required_one_shows_what_requires_it(client_for, executive, initiatives):
    html = client_for(executive).get(initiatives["pilot"].get_absolute_url()).content.decode()
    section = html[html.index('id="dependencies"') :]
    assert "Required by" in section and "DIG-2026-001" in section


def test_an_archived_initiative_is_read_only(client_for, office, initiatives):
    own = initiatives["own"]
    Initiative.objects.filter(pk=own.pk).update(archived_at=timezone.now())
    client = client_for(office)
    html = client.get(own.get_absolute_url()).content.decode()
    assert "Edit dependencies and alternatives" not in html
    assert client.get(url("links", own)).status_code == 403
    before = state()
    address, data = writes(initiatives)["add link"]
    assert client.post(address, data).status_code == 403
    assert state() == before


# --- Editing: what the office sees -------------------------------------------------------------


def test_the_office_adds_a_link_in_place(client_for, office, initiatives):
    own, other = initiatives["own"], initiatives["other"]
    response = client_for(office).post(
        url("requires_add", own), {"requires-required": f" {other.ref.lower()} "}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="dependencies"')
    assert "DIG-2026-001 now requires DIG-2026-002." in html
    assert "data-focus-on-swap" in html
    link = Dependency.objects.get(initiative=own, required=other)
    assert link.history.get().history_user == office


def test_the_edit_form_is_swapped_in_or_a_page_of_its_own(client_for, office, initiatives):
    client = client_for(office)
    own = initiatives["own"]
    fragment = client.get(url("links", own), headers=HTMX).content.decode()
    assert fragment.lstrip().startswith('<section id="dependencies"')
    assert 'list="initiative-refs"' in fragment and '<option value="DIG-2026-002">' in fragment
    page = client.get(url("links", own)).content.decode()
    assert "<h1>Dependencies and alternatives of DIG-2026-001</h1>" in page


@pytest.mark.parametrize(
    "typed, message",
    [("NOPE-1", "No initiative has the reference “NOPE-1”."),
     ("DIG-2026-001", "An initiative cannot require itself."),
     ("DIG-2025-011", "DIG-2026-001 already requires DIG-2025-011."),
     ("", "This field is required.")],
)  # fmt: skip
def test_a_bad_reference_is_refused_at_its_field_and_kept(
    client_for, office, initiatives, typed, message
):
    before = state()
    response = client_for(office).post(
        url("requires_add", initiatives["own"]), {"requires-required": typed}, headers=HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert 'aria-invalid="true"' in html
    if typed:
        assert f'value="{typed}"' in html
    assert state() == before


def test_a_circle_is_refused_with_the_chain(client_for, office, initiatives):
    # DIG-2026-001 requires DIG-2025-011; DIG-2025-011 cannot require DIG-2026-001.
    before = state()
    response = client_for(office).post(
        url("requires_add", initiatives["pilot"]), {"requires-required": "DIG-2026-001"}
    )
    assert response.status_code == 422
    assert "(DIG-2026-001 → DIG-2025-011)" in response.content.decode()
    assert state() == before


def test_an_archived_one_is_refused_and_unseen_refs_are_unknown(
    client_for, office, initiatives, own_department
):
    archived = make_initiative(own_department, ref="DIG-2020-001")
    Initiative.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    response = client_for(office).post(
        url("requires_add", initiatives["own"]), {"requires-required": "DIG-2020-001"}
    )
    assert response.status_code == 422
    assert "DIG-2020-001 is archived: it cannot be required." in response.content.decode()


def test_the_same_link_sent_twice_is_written_once(client_for, office, initiatives):
    client = client_for(office)
    data = {"requires-required": initiatives["other"].ref}
    address = url("requires_add", initiatives["own"])
    assert client.post(address, data).status_code == 302
    again = client.post(address, data, headers=HTMX)
    assert again.status_code == 422
    assert "DIG-2026-001 already requires DIG-2026-002." in again.content.decode()
    assert Dependency.objects.filter(required=initiatives["other"]).count() == 1


def test_a_forged_or_stale_link_removes_nothing(client_for, office, initiatives, own_department):
    elsewhere = requires(initiatives["other"], make_initiative(own_department))
    client = client_for(office)
    before = state()
    for posted in (elsewhere.pk, "x", "", 999_999):
        response = client.post(url("requires_remove", initiatives["own"]), {"link": posted})
        assert response.status_code == 422
        html = response.content.decode()
        assert "error-summary" in html
        assert ("Choose a requirement to remove." in html) or ("is not recorded" in html)
    assert state() == before


def test_removing_twice_removes_once(client_for, office, initiatives):
    client = client_for(office)
    link = Dependency.objects.get(initiative=initiatives["own"])
    address = url("requires_remove", initiatives["own"])
    response = client.post(address, {"link": link.pk}, headers=HTMX)
    assert response.status_code == 200
    assert "DIG-2026-001 no longer requires DIG-2025-011." in response.content.decode()
    assert client.post(address, {"link": link.pk}, headers=HTMX).status_code == 422
    assert not Dependency.objects.exists()


def test_the_office_creates_joins_and_leaves_a_group(client_for, office, initiatives):
    client = client_for(office)
    own, other = initiatives["own"], initiatives["other"]
    created = client.post(
        url("group_set", own), {"group-new_group": " Nattlig  tillsyn "}, headers=HTMX
    )
    assert created.status_code == 200
    assert "DIG-2026-001 is now in the group “Nattlig tillsyn”." in created.content.decode()
    assert "it limits nothing until a second one joins" in created.content.decode()
    group = AlternativeGroup.objects.get()
    joined = client.post(url("group_set", other), {"group-group": group.pk}, headers=HTMX)
    assert joined.status_code == 200
    assert "DIG-2026-002 is now in the group" in joined.content.decode()
    assert sorted(group.members.values_list("initiative__ref", flat=True)) == [
        "DIG-2026-001",
        "DIG-2026-002",
    ]
    page = client.get(own.get_absolute_url()).content.decode()
    section = page[page.index('id="dependencies"') :]
    assert "DIG-2026-002" in section[section.index("Group of alternatives") :]

    assert client.post(url("group_leave", own)).status_code == 302
    assert client.post(url("group_leave", other)).status_code == 302
    assert not AlternativeGroup.objects.exists()  # left empty, it is gone


@pytest.mark.parametrize(
    "data, field, message",
    [({}, "group-group", "Choose a group, or name a new one."),
     ({"group-group": "999999"}, "group-group", "Select a valid choice."),
     ({"group-group": "abc"}, "group-group", "Select a valid choice."),
     ({"group-new_group": "Finns redan"}, "group-new_group", "There is already a group called"),
     ({"group-new_group": "x" * 121}, "group-new_group", "at most 120 characters")],
)  # fmt: skip
def test_a_bad_group_is_refused_at_its_field(client_for, office, initiatives, data, field, message):
    group_of("Finns redan", initiatives["pilot"])
    before = state()
    response = client_for(office).post(url("group_set", initiatives["own"]), data, headers=HTMX)
    assert response.status_code == 422
    html = response.content.decode().replace("&ldquo;", "“")
    assert message in html
    assert f'id="id_{field}_error"' in html
    assert state() == before


def test_a_group_sent_twice_is_created_once(client_for, office, initiatives):
    client = client_for(office)
    address = url("group_set", initiatives["own"])
    assert client.post(address, {"group-new_group": "Nattlig tillsyn"}).status_code == 302
    again = client.post(address, {"group-new_group": "Nattlig tillsyn"}, headers=HTMX)
    assert again.status_code == 422
    assert "is already in the group" in again.content.decode()
    assert AlternativeGroup.objects.count() == 1 and Alternative.objects.count() == 1


def test_leaving_without_a_group_changes_nothing(client_for, office, initiatives):
    response = client_for(office).post(url("group_leave", initiatives["own"]), headers=HTMX)
    assert response.status_code == 422
    assert "is not in a group of alternatives" in response.content.decode()


@pytest.mark.parametrize("name", ["requires_add", "requires_remove", "group_set", "group_leave"])
def test_a_get_writes_nothing(client_for, office, initiatives, name):
    before = state()
    response = client_for(office).get(url(name, initiatives["own"]), {"requires-required": "X"})
    assert response.status_code == 405
    assert state() == before


def test_a_post_without_the_csrf_token_is_refused(office, initiatives):
    client = Client(enforce_csrf_checks=True)
    client.force_login(office)
    address, data = writes(initiatives)["add link"]
    before = state()
    assert client.post(address, data).status_code == 403
    assert state() == before


def test_the_section_costs_the_same_queries_with_many_links(
    client_for, executive, own_department, initiatives
):
    client = client_for(executive)
    own = initiatives["own"]
    group = group_of("Många", own, initiatives["other"])
    client.get(own.get_absolute_url())  # sessions, caches warm
    with CaptureQueriesContext(transaction.get_connection()) as few:
        client.get(own.get_absolute_url())
    for _ in range(12):
        requires(own, make_initiative(own_department))
        requires(make_initiative(own_department), own)
    for _ in range(6):
        Alternative.objects.create(group=group, initiative=make_initiative(own_department))
    with CaptureQueriesContext(transaction.get_connection()) as many:
        html = client.get(own.get_absolute_url()).content.decode()
    assert html.count("<li>") >= 30
    assert len(many.captured_queries) == len(few.captured_queries)


# --- The demo city --------------------------------------------------------------------------


def test_the_demo_city_has_a_requires_link_and_a_group(demo_city, client_for, executive):
    open_data = Initiative.objects.get(ref="DIG-2026-005")
    sensors = Initiative.objects.get(ref="DIG-2025-011")
    assert Dependency.objects.filter(initiative=open_data, required=sensors).exists()
    group = AlternativeGroup.objects.get(name="Nattlig tillsyn: kamera eller rörelsesensorer")
    assert sorted(group.members.values_list("initiative__ref", flat=True)) == [
        "DIG-2025-003",
        "DIG-2026-002",
    ]
    ids = [open_data.pk, sensors.pk, *group.members.values_list("initiative_id", flat=True)]
    found = links.constraints_for(ids)
    assert found.requires.tolist() == [[0, 1]]
    assert [g.tolist() for g in found.groups] == [[2, 3]]
