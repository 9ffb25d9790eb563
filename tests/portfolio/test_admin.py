"""The Django admin: every registered model's pages open for a superuser, and its forms save.

The project renders the app's own forms through Jinja2 (portfolio.forms.FormRenderer); the admin's
widgets exist only as Django templates, so the renderer must find those too.
"""

from __future__ import annotations

import pytest
from axes.models import AccessFailureLog
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.template import TemplateDoesNotExist
from django.template.backends.jinja2 import Template as Jinja2Template
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from api.models import ApiToken
from benefits.models import PortfolioSetting
from notifications.tasks import send_reminders
from organisation.models import Department
from portfolio.forms import FormRenderer
from tests.conftest import make_department, make_user

pytestmark = pytest.mark.django_db


class _Sink:
    def write(self, text):
        pass

    def flush(self):
        pass


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("root", "root@example.org", "secret-pass-123")


@pytest.fixture
def admin_client_en(client, superuser):
    client.force_login(superuser)
    client.cookies["django_language"] = "en"
    return client


def _admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _pages_of_every_registered_model(superuser: User) -> list[tuple[str, str, int]]:
    """(model, url, expected status) for the changelist, add, change and history page of each."""
    request = RequestFactory().get("/admin/")
    request.user = superuser
    pages = []
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"no {label} to open: add one above"
        # A model kept only through the app's services (none today) may refuse additions: 403.
        add_status = 200 if model_admin.has_add_permission(request) else 403
        pages += [
            (label, _admin_url(model, "changelist"), 200),
            (label, _admin_url(model, "add"), add_status),
            (label, _admin_url(model, "change", obj.pk), 200),
            (label, _admin_url(model, "history", obj.pk), 200),
        ]
    return pages


def _one_row_of_every_registered_model(settings) -> None:
    """The demo city, an API token, the settings row and the login records django-axes keeps."""
    settings.DEBUG = True  # the demo city loads only with DEBUG on
    call_command("load_demo", stdout=_Sink())
    settings.DEBUG = False
    user = User.objects.get(username="kontoret")
    ApiToken.issue(user=user, name="Power BI")
    PortfolioSetting.current()
    # A successful, then a failed login (a success clears the attempts): axes records an
    # access and an attempt. Its failure log is off by default, so that row is made by hand.
    user.set_password("secret-pass-123")
    user.save()
    Client().post(reverse("login"), {"username": "kontoret", "password": "secret-pass-123"})
    Client().post(reverse("login"), {"username": "kontoret", "password": "wrong"})
    # A background task waiting for the worker (django-tasks' database backend lists them).
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        send_reminders.enqueue()
    AccessFailureLog.objects.create(
        username="kontoret",
        ip_address="127.0.0.1",
        user_agent="pytest",
        http_accept="text/html",
        path_info="/accounts/login/",
    )


def test_every_page_of_every_registered_model_opens(settings, admin_client_en, superuser):
    _one_row_of_every_registered_model(settings)
    pages = _pages_of_every_registered_model(superuser)
    labels = {label for label, _url, _status in pages}
    expected = {"auth.User", "auth.Group", "organisation.Department", "initiatives.Initiative"}
    assert expected <= labels

    admin_client_en.raise_request_exception = False  # list every failing page, not the first
    failures = []
    for label, url, expected in pages:
        status = admin_client_en.get(url).status_code
        if status != expected:
            failures.append(f"{label} {url}: {status}, expected {expected}")
    assert not failures, "\n".join(failures)


def test_the_admin_index_opens(admin_client_en):
    assert admin_client_en.get(reverse("admin:index")).status_code == 200


def test_a_department_added_in_the_admin_is_saved_with_its_members(admin_client_en):
    member = make_user("department_head", username="avdelningschef")
    response = admin_client_en.post(
        _admin_url(Department, "add"),
        {"name": "Kulturförvaltningen", "code": "KUL", "members": [member.pk]},
    )
    assert response.status_code == 302
    department = Department.objects.get(code="KUL")
    assert department.name == "Kulturförvaltningen"
    assert list(department.members.all()) == [member]


def test_a_department_changed_in_the_admin_is_saved(admin_client_en):
    department = make_department("Kulturförvaltningen", "KUL")
    response = admin_client_en.post(
        _admin_url(Department, "change", department.pk),
        {"name": "Kultur- och fritidsförvaltningen", "code": "KUL", "members": []},
    )
    assert response.status_code == 302
    department.refresh_from_db()
    assert department.name == "Kultur- och fritidsförvaltningen"


def test_a_user_added_in_the_admin_is_saved_with_a_password(admin_client_en):
    response = admin_client_en.post(
        _admin_url(User, "add"),
        {
            "username": "ny.anvandare",
            "usable_password": "true",
            "password1": "a-long-Passphrase-42",
            "password2": "a-long-Passphrase-42",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="ny.anvandare").check_password("a-long-Passphrase-42")


def test_a_group_added_in_the_admin_is_saved(admin_client_en):
    response = admin_client_en.post(_admin_url(Group, "add"), {"name": "granskare"})
    assert response.status_code == 302
    assert Group.objects.filter(name="granskare").exists()


def test_the_admin_sets_a_users_password(admin_client_en):
    user = make_user("office", username="kontoret")
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    assert admin_client_en.get(url).status_code == 200
    response = admin_client_en.post(
        url,
        {
            "usable_password": "true",
            "password1": "a-new-Passphrase-42",
            "password2": "a-new-Passphrase-42",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-Passphrase-42")


def test_the_apps_own_widgets_still_render_through_jinja2():
    renderer = FormRenderer()
    assert isinstance(renderer.get_template("django/forms/widgets/select.html"), Jinja2Template)
    assert isinstance(renderer.get_template("forms/field.html"), Jinja2Template)


def test_a_template_found_nowhere_still_raises_template_does_not_exist():
    with pytest.raises(TemplateDoesNotExist):
        FormRenderer().get_template("no/such/widget.html")


def test_the_department_form_shows_its_members_widget_with_the_admins_wrapper(admin_client_en):
    member = make_user("department_head", username="avdelningschef")
    response = admin_client_en.get(_admin_url(Department, "add"))
    assert response.status_code == 200
    assert 'class="related-widget-wrapper"' in response.text
    assert '<select name="members"' in response.text
    assert f'<option value="{member.pk}">avdelningschef</option>' in response.text


def test_the_admins_own_password_change_uses_our_page_and_changes_the_password(
    admin_client_en, superuser
):
    # templates/registration/password_change_form.html serves the admin's page too.
    url = reverse("admin:password_change")
    page = admin_client_en.get(url)
    assert page.status_code == 200
    assert "<h1>Change password</h1>" in page.text
    response = admin_client_en.post(
        url,
        {
            "old_password": "secret-pass-123",
            "new_password1": "a-new-Passphrase-42",
            "new_password2": "a-new-Passphrase-42",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("admin:password_change_done")
    superuser.refresh_from_db()
    assert superuser.check_password("a-new-Passphrase-42")


def test_the_office_sends_a_user_a_reset_link_from_the_user_list(admin_client_en):
    from django.core import mail

    user = make_user("department_head", username="avdelningschef")
    user.email = "chef@demostad.se"
    user.save()
    namesake = make_user("executive", username="delad.adress")
    namesake.email = "chef@demostad.se"
    namesake.save()
    no_address = make_user("executive", username="utan.adress")

    response = admin_client_en.post(
        _admin_url(User, "changelist"),
        {
            "action": "send_password_reset_link",
            "_selected_action": [user.pk, no_address.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    # Only the chosen account gets a link, even though another one shares its address.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["chef@demostad.se"]
    assert "avdelningschef" in mail.outbox[0].body
    assert "/accounts/password/reset/" in mail.outbox[0].body
    assert "A password reset link was sent to 1 user." in response.text
    assert "No link was sent to utan.adress: no valid e-mail address, or inactive." in response.text
