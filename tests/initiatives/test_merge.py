"""An edit opened before someone else saved is merged three ways: nothing anyone saved is lost
unless the person saving chose it."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from initiatives.merge import comparable, three_way
from initiatives.models import Initiative
from tests.conftest import make_department, make_user

HTMX = {"HX-Request": "true", "HX-Target": "initiative-form"}


class _FormFields(HTMLParser):
    """What a browser posts for one form of a page: its inputs, checked boxes and radios,
    textareas and selected options."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside = form_id, False
        self.data: dict[str, str] = {}
        self.textarea: str | None = None
        self.select: str | None = None
        self.first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data[attrs["name"]] = attrs.get("value", "on")
            elif kind not in ("submit", "button"):
                self.data[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea":
            self.textarea, self.data[attrs["name"]] = attrs["name"], ""
        elif tag == "select":
            self.select, self.first_option = attrs["name"], None
        elif tag == "option" and self.select:
            value = attrs.get("value") or ""
            if self.first_option is None:
                self.first_option = value
            if "selected" in attrs:
                self.data[self.select] = value

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea:
            # Like a browser: the newline right after <textarea> is not part of the value.
            self.data[self.textarea] = self.data[self.textarea].removeprefix("\n")
            self.textarea = None
        elif tag == "select" and self.select:
            self.data.setdefault(self.select, self.first_option or "")
            self.select = None


def posted_form(html: str, form_id: str = "initiative-form") -> dict[str, str]:
    """The data a browser would post if the user pressed the form's submit button untouched."""
    parser = _FormFields(form_id)
    parser.feed(html)
    return parser.data


def edit_url(initiative) -> str:
    return reverse("initiatives:edit", args=[initiative.ref])


def opened_form(client, initiative) -> dict[str, str]:
    response = client.get(edit_url(initiative))
    assert response.status_code == 200
    return posted_form(response.text)


# The rules, on plain values.


def test_a_field_only_they_changed_keeps_their_value():
    merge = three_way(base={"title": "A"}, theirs={"title": "B"}, yours={"title": "A"})
    assert (merge.yours, merge.theirs, merge.conflicts) == ({}, ["title"], [])


def test_a_field_only_you_changed_takes_yours():
    merge = three_way(base={"budget": None}, theirs={"budget": None}, yours={"budget": 5})
    assert (merge.yours, merge.theirs, merge.conflicts) == ({"budget": 5}, [], [])


def test_a_field_both_changed_alike_needs_nothing():
    merge = three_way(base={"title": "A"}, theirs={"title": "B"}, yours={"title": "B"})
    assert (merge.yours, merge.theirs, merge.conflicts) == ({}, [], [])


def test_a_field_both_changed_differently_is_a_conflict():
    merge = three_way(base={"title": "A"}, theirs={"title": "B"}, yours={"title": "C"})
    assert (merge.yours, merge.conflicts) == ({}, ["title"])


def test_without_a_known_base_every_difference_is_a_conflict():
    merge = three_way(
        base=None, theirs={"title": "B", "budget": 1}, yours={"title": "C", "budget": 1}
    )
    assert (merge.yours, merge.theirs, merge.conflicts) == ({}, [], ["title"])


def test_values_compare_as_a_form_and_a_row_hold_them(own_department):
    assert comparable("a\r\nb  ") == comparable("a\nb")
    assert comparable(own_department) == own_department.pk
    assert comparable([own_department]) == frozenset({own_department.pk})
    assert comparable(dt.date(2026, 5, 1)) == dt.date(2026, 5, 1)
    assert comparable(None) is None and comparable(False) is False


# Through the edit page: A opens the form, B saves, A saves.


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_they_saved_the_title_you_save_the_tags_and_both_are_kept(
    client_for, office, head, own_initiative, headers
):
    opened = opened_form(client_for(head), own_initiative)
    client_for(office).post(edit_url(own_initiative), {**opened, "title": "Office's title"})

    client = client_for(head)
    response = client.post(edit_url(own_initiative), {**opened, "tags": "250000"}, headers=headers)

    assert response.status_code == (200 if headers else 302)
    own_initiative.refresh_from_db()
    assert (own_initiative.title, own_initiative.tags) == ("Office's title", "250000")
    assert own_initiative.version == 3
    page = client.get(own_initiative.get_absolute_url()).text
    assert "Someone else saved this initiative while you were editing" in page
    assert "theirs were kept: Title" in page


def test_owner_department_dates_tags_and_flags_merge_field_by_field(
    client_for, office, head, own_initiative
):
    second_department = make_department("Stadsbyggnadskontoret", "SBK")
    second_department.members.add(head)
    new_owner = make_user("department_head", second_department)
    opened = opened_form(client_for(head), own_initiative)
    client_for(office).post(
        edit_url(own_initiative),
        {**opened, "owner": new_owner.pk, "planned_end": "2027-06-30", "tags": "RPA, skola"},
    )
    response = client_for(head).post(
        edit_url(own_initiative),
        {**opened, "department": second_department.pk, "planned_start": "2026-09-01",
         "must_do": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    own_initiative.refresh_from_db()
    assert own_initiative.owner == new_owner
    assert own_initiative.planned_end == dt.date(2027, 6, 30)
    assert own_initiative.tags == "RPA, skola"
    assert own_initiative.department == second_department
    assert own_initiative.planned_start == dt.date(2026, 9, 1)
    assert own_initiative.must_do is True


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_both_changed_the_title_so_you_must_choose_and_an_unchosen_resave_reverts_nothing(
    client_for, office, head, own_initiative, headers
):
    opened = opened_form(client_for(head), own_initiative)
    client_for(office).post(
        edit_url(own_initiative), {**opened, "title": "Office's title", "tags": "400000"}
    )
    client = client_for(head)
    conflict = client.post(
        edit_url(own_initiative),
        {**opened, "title": "Head's title", "summary": "Head's summary"},
        headers=headers,
    )

    assert conflict.status_code == 409
    assert ("<html" in conflict.text) is not bool(headers)
    assert "Keep the saved value: Office&#39;s title" in conflict.text
    assert "Use yours: Head&#39;s title" in conflict.text
    returned = posted_form(conflict.text)
    assert returned["tags"] == "400000"  # only they changed it: their value is shown
    assert returned["summary"] == "Head's summary"  # only you changed it: yours is kept
    assert returned["title"] == "Head's title"
    assert "choose_title" not in returned  # nothing is chosen for the user

    again = client.post(edit_url(own_initiative), returned, headers=headers)

    assert again.status_code == 422
    assert "Choose which value to keep." in again.text
    own_initiative.refresh_from_db()
    assert (own_initiative.title, own_initiative.tags) == ("Office's title", "400000")
    assert own_initiative.summary == ""
    assert posted_form(again.text)["summary"] == "Head's summary"  # still kept


@pytest.mark.parametrize("choice,title", [("theirs", "Office's title"), ("yours", "Head's title")])
def test_choosing_theirs_or_yours_saves_that_value_with_the_rest_merged(
    client_for, office, head, own_initiative, choice, title
):
    opened = opened_form(client_for(head), own_initiative)
    client_for(office).post(
        edit_url(own_initiative), {**opened, "title": "Office's title", "tags": "400000"}
    )
    client = client_for(head)
    conflict = client.post(
        edit_url(own_initiative), {**opened, "title": "Head's title", "summary": "Head's summary"}
    )
    response = client.post(
        edit_url(own_initiative), {**posted_form(conflict.text), "choose_title": choice}
    )

    assert response.status_code == 302
    own_initiative.refresh_from_db()
    assert own_initiative.title == title
    assert own_initiative.tags == "400000"
    assert own_initiative.summary == "Head's summary"
    assert own_initiative.version == 3


def test_a_conflict_on_the_owner_offers_both_people_by_name(
    client_for, office, head, own_initiative
):
    theirs, yours = make_user("office"), make_user("office")
    opened = opened_form(client_for(head), own_initiative)
    client_for(office).post(edit_url(own_initiative), {**opened, "owner": theirs.pk})
    client = client_for(head)
    conflict = client.post(edit_url(own_initiative), {**opened, "owner": yours.pk})

    assert conflict.status_code == 409
    assert f"Keep the saved value: {theirs.get_full_name()}" in conflict.text
    assert f"Use yours: {yours.get_full_name()}" in conflict.text
    client.post(edit_url(own_initiative), {**posted_form(conflict.text), "choose_owner": "yours"})
    own_initiative.refresh_from_db()
    assert own_initiative.owner == yours


def test_keeping_the_saved_value_keeps_what_is_saved_when_you_choose(
    client_for, office, head, own_initiative
):
    opened = opened_form(client_for(head), own_initiative)
    client_for(office).post(edit_url(own_initiative), {**opened, "title": "Office's title"})
    client = client_for(head)
    conflict = client.post(edit_url(own_initiative), {**opened, "title": "Head's title"})
    # While the head reads the choices, the office saves the title once more.
    own_initiative.refresh_from_db()
    client_for(office).post(
        edit_url(own_initiative), {**opened, "title": "Office's second title",
                                   "version": own_initiative.version},
    )  # fmt: skip

    client = client_for(head)
    response = client.post(
        edit_url(own_initiative), {**posted_form(conflict.text), "choose_title": "theirs"}
    )

    assert response.status_code == 302
    own_initiative.refresh_from_db()
    assert own_initiative.title == "Office's second title"


def test_choosing_yours_after_a_further_change_asks_again(client_for, office, head, own_initiative):
    opened = opened_form(client_for(head), own_initiative)
    client_for(office).post(edit_url(own_initiative), {**opened, "title": "Office's title"})
    client = client_for(head)
    conflict = client.post(edit_url(own_initiative), {**opened, "title": "Head's title"})
    own_initiative.refresh_from_db()
    client_for(office).post(
        edit_url(own_initiative), {**opened, "title": "Office's second title",
                                   "version": own_initiative.version},
    )  # fmt: skip

    client = client_for(head)
    response = client.post(
        edit_url(own_initiative), {**posted_form(conflict.text), "choose_title": "yours"}
    )

    assert response.status_code == 409
    assert "Keep the saved value: Office&#39;s second title" in response.text
    own_initiative.refresh_from_db()
    assert own_initiative.title == "Office's second title"


def test_an_unknown_opened_version_makes_every_difference_a_choice(
    client_for, head, own_initiative
):
    data = {**opened_form(client_for(head), own_initiative), "version": "99"}
    response = client_for(head).post(
        edit_url(own_initiative), {**data, "title": "Head's title", "tags": "5"}
    )
    assert response.status_code == 409
    returned = posted_form(response.text)
    assert set(returned["conflicts"].split(",")) == {"title", "tags"}
    own_initiative.refresh_from_db()
    assert (own_initiative.title, own_initiative.tags) == ("Skolmjölksroboten", "")


def test_the_choices_escape_what_was_saved(client_for, office, head, own_initiative):
    opened = opened_form(client_for(head), own_initiative)
    client_for(office).post(edit_url(own_initiative), {**opened, "title": "<b hx-get=/x>bold</b>"})
    conflict = client_for(head).post(edit_url(own_initiative), {**opened, "title": "Mine"})
    assert conflict.status_code == 409
    assert "<b hx-get" not in conflict.text
    assert "&lt;b hx-get=/x&gt;bold&lt;/b&gt;" in conflict.text


def test_an_unchanged_resave_after_a_merge_is_not_a_conflict(
    client_for, office, head, own_initiative
):
    """A textarea posts its lines with CRLF; the saved text has LF: that is no change."""
    own_initiative.summary = "Rad ett\nRad två"
    own_initiative.save()
    opened = opened_form(client_for(head), own_initiative)
    client_for(office).post(
        edit_url(own_initiative), {**opened, "summary": "Rad ett\nRad två\nRad tre"}
    )
    response = client_for(head).post(
        edit_url(own_initiative), {**opened, "summary": "Rad ett\r\nRad två", "tags": "7"}
    )
    assert response.status_code == 302
    own_initiative.refresh_from_db()
    assert own_initiative.summary.replace("\r\n", "\n") == "Rad ett\nRad två\nRad tre"
    assert own_initiative.tags == "7"


def test_a_merged_save_takes_the_same_queries_however_long_the_history(
    client_for, office, head, own_initiative, django_assert_num_queries
):
    opened = opened_form(client_for(head), own_initiative)
    office_client = client_for(office)
    for n in range(20):
        own_initiative.refresh_from_db()
        office_client.post(
            edit_url(own_initiative),
            {**opened, "title": f"Office's title {n}", "version": own_initiative.version},
        )
    client = client_for(head)
    # 14, and one: whether the dashboard's sums are kept (portfolio.figures; not here).
    with django_assert_num_queries(15):
        response = client.post(edit_url(own_initiative), {**opened, "tags": "1"})
    assert response.status_code == 302
    saved = Initiative.objects.get()
    assert (saved.title, saved.tags, saved.version) == ("Office's title 19", "1", 22)


def test_your_start_after_their_new_end_is_not_saved_until_you_choose(
    client_for, office, head, own_initiative
):
    opened = opened_form(client_for(head), own_initiative)
    client_for(office).post(edit_url(own_initiative), {**opened, "planned_end": "2026-03-01"})
    client = client_for(head)
    conflict = client.post(edit_url(own_initiative), {**opened, "planned_start": "2026-06-01"})

    assert conflict.status_code == 409
    assert "The planned end cannot be before the planned start." in conflict.text
    returned = posted_form(conflict.text)
    assert set(returned["conflicts"].split(",")) == {"planned_start", "planned_end"}
    assert (returned["planned_start"], returned["planned_end"]) == ("2026-06-01", "")
    own_initiative.refresh_from_db()
    assert (own_initiative.planned_start, own_initiative.planned_end) == (None, dt.date(2026, 3, 1))

    # Keeping their end beside your start would break the rule again: refused, nothing saved.
    again = client.post(
        edit_url(own_initiative),
        {**returned, "choose_planned_start": "yours", "choose_planned_end": "theirs"},
    )
    assert again.status_code == 422
    assert "The planned end cannot be before the planned start." in again.text
    own_initiative.refresh_from_db()
    assert own_initiative.planned_start is None

    response = client.post(
        edit_url(own_initiative),
        {**posted_form(again.text), "choose_planned_start": "theirs"},
    )
    assert response.status_code == 302
    own_initiative.refresh_from_db()
    assert (own_initiative.planned_start, own_initiative.planned_end) == (None, dt.date(2026, 3, 1))


def test_their_pilot_beside_your_cleared_hypothesis_asks_for_a_choice(
    client_for, office, head, own_initiative
):
    own_initiative.hypothesis = "Fewer manual claims."
    own_initiative.save()
    opened = opened_form(client_for(head), own_initiative)
    client_for(office).post(edit_url(own_initiative), {**opened, "kind": "pilot"})
    conflict = client_for(head).post(edit_url(own_initiative), {**opened, "hypothesis": ""})

    assert conflict.status_code == 409
    assert "A pilot needs a hypothesis" in conflict.text
    assert set(posted_form(conflict.text)["conflicts"].split(",")) == {"kind", "hypothesis"}
    own_initiative.refresh_from_db()
    assert (own_initiative.kind, own_initiative.hypothesis) == ("pilot", "Fewer manual claims.")
