from django.test import override_settings

from sso.checks import check_role_map


def ids(**overrides) -> list[str]:
    with override_settings(**overrides):
        return [message.id for message in check_role_map()]


def test_a_good_role_map_passes():
    role_map = {"g1": {"role": "office"}, "g2": {"role": "department_head", "departments": ["UTB"]}}
    assert ids(OIDC_ROLE_CLAIM="groups", OIDC_ROLE_MAP=role_map) == []


def test_an_unknown_role_is_an_error():
    assert ids(OIDC_ROLE_CLAIM="groups", OIDC_ROLE_MAP={"g": {"role": "king"}}) == ["sso.E002"]


def test_departments_must_be_a_list_of_codes():
    role_map = {"g": {"role": "department_head", "departments": "UTB"}}
    assert ids(OIDC_ROLE_CLAIM="groups", OIDC_ROLE_MAP=role_map) == ["sso.E003"]


def test_a_role_map_without_a_role_claim_is_a_warning():
    assert ids(OIDC_ROLE_CLAIM="", OIDC_ROLE_MAP={"g": {"role": "office"}}) == ["sso.W001"]
