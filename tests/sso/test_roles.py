"""The role map (sso.services.apply_role_claim), without the provider: the rules of each case."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings

from organisation.permissions import DEPARTMENT_HEAD, EXECUTIVE, OFFICE, ROLES, role
from sso.services import apply_role_claim, mapped_role, user_from_claims
from tests.conftest import make_department, make_user

pytestmark = pytest.mark.django_db

ROLE_MAP = {
    "office-group": {"role": OFFICE},
    "utb-heads": {"role": DEPARTMENT_HEAD, "departments": ["UTB"]},
    "tk-heads": {"role": DEPARTMENT_HEAD, "departments": ["TK", "NOPE"]},
    "executives": {"role": EXECUTIVE},
    "broken": {"role": "king"},
    "broken-too": "office",
}


@pytest.fixture(autouse=True)
def role_map():
    with override_settings(
        OIDC_ROLE_CLAIM="groups", OIDC_ROLE_MAP=ROLE_MAP, OIDC_ROLES_AUTHORITATIVE=True
    ):
        yield


@pytest.fixture(autouse=True)
def departments(db):
    return {code: make_department(code=code) for code in ("UTB", "TK")}


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_the_highest_role_wins_and_departments_are_joined():
    assert mapped_role({"groups": ["utb-heads", "tk-heads", "executives"]}) == (
        DEPARTMENT_HEAD,
        {"UTB", "TK", "NOPE"},
    )
    assert mapped_role({"groups": ["executives", "office-group"]})[0] == OFFICE


def test_a_single_string_claim_maps_too():
    assert mapped_role({"groups": "executives"}) == (EXECUTIVE, set())


@pytest.mark.parametrize(
    "claims",
    [
        {},
        {"groups": None},
        {"groups": 7},
        {"groups": [["office-group"]]},
        {"groups": ["broken"]},
        {"groups": ["broken-too"]},
    ],
)
def test_a_missing_odd_or_malformed_claim_maps_to_nothing(claims):
    assert mapped_role(claims) is None


def test_unknown_department_codes_are_skipped(departments):
    user = make_user()
    apply_role_claim(user=user, claims={"groups": ["tk-heads"]})
    assert role(fresh(user)) == DEPARTMENT_HEAD
    assert set(user.departments.all()) == {departments["TK"]}


def test_a_move_between_departments_leaves_the_old_one(departments):
    user = make_user(DEPARTMENT_HEAD, departments["UTB"])
    apply_role_claim(user=user, claims={"groups": ["tk-heads"]})
    assert set(user.departments.all()) == {departments["TK"]}
    # Recorded in the department's history, like a change in the admin.
    assert departments["UTB"].history.count() >= 2


def test_other_groups_are_left_alone():
    other = Group.objects.create(name="newsletter")
    user = make_user(EXECUTIVE)
    user.groups.add(other)
    apply_role_claim(user=user, claims={"groups": ["office-group"]})
    assert set(user.groups.values_list("name", flat=True)) == {OFFICE, "newsletter"}


def test_a_missing_role_group_is_created():
    Group.objects.filter(name__in=ROLES).delete()
    user = make_user()
    apply_role_claim(user=user, claims={"groups": ["executives"]})
    assert role(fresh(user)) == EXECUTIVE


def test_a_long_name_is_cut_and_a_missing_one_keeps_what_was_there():
    user = user_from_claims(claims={"sub": "s-1", "given_name": "A" * 300, "family_name": "Berg"})
    assert len(user.first_name) == 150
    user = user_from_claims(claims={"sub": "s-1"})
    assert user.last_name == "Berg"
