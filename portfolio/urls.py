from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api.api import api
from portfolio import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("initiatives/", include("initiatives.urls")),
    path("benefits/", include("benefits.urls")),
    path("portfolio/", include("portfolio.urls_app")),
    path("api/v1/", api.urls),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]
