from django.contrib.auth.decorators import login_not_required
from django.urls import path

from sso import views

app_name = "sso"

# Reached before anyone is logged in, like the login page.
urlpatterns = [
    path("login/", login_not_required(views.LoginView.as_view()), name="login"),
    path("callback/", login_not_required(views.CallbackView.as_view()), name="callback"),
]
