"""Fixtures for the JSON API: a client that sends a personal token, and the users who own one."""

from __future__ import annotations

import pytest
from django.test import Client

from api.models import ApiToken
from benefits.models import PortfolioSetting
from tests.conftest import make_user


def make_token(user, name: str = "Power BI") -> str:
    """A new token's secret, as its owner would copy it from the tokens page."""
    _token, secret = ApiToken.issue(user=user, name=name)
    return secret


@pytest.fixture
def no_role(db):
    return make_user(None, username="norole")


@pytest.fixture
def api_as():
    """A client that authenticates with a fresh token of the given user (or with nothing)."""

    def client_for(user=None) -> Client:
        if user is None:
            return Client()
        return Client(headers={"Authorization": f"Bearer {make_token(user)}"})

    return client_for


@pytest.fixture
def rate(db):
    """The hourly rate's row exists, as it does once anyone has opened a page with money."""
    return PortfolioSetting.current().hourly_rate
