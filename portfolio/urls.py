from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api.api import api
from organisation.views import profile
from portfolio import views

# Django's own account views, with our templates in templates/registration/. Changing one's
# password needs a login (the view says so itself); the reset pages are for someone who cannot log
# in, so Django marks them login_not_required.
account_urls = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("invitation/", include("organisation.urls_public")),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("oidc/", include("sso.urls")),  # single sign-on: public under /accounts/, like the login
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include(account_urls)),
    # The header's language switch: Django's view, also remembering a logged-in user's choice.
    path("i18n/setlang/", profile.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("initiatives/", include("initiatives.urls")),
    path("benefits/", include("benefits.urls")),
    path("portfolio/", include("portfolio.urls_app")),
    path("organisation/", include("organisation.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/v1/", api.urls),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]
