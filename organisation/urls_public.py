"""Public pages of the organisation app, included under /accounts/ (which anyone may reach):
portfolio/urls.py adds `path("invitation/", include("organisation.urls_public"))` to its
account URLs. No namespace, as Django's own account views have none."""

from django.urls import path

from organisation.views import users

urlpatterns = [
    path("<uidb64>/<token>/", users.invitation_accept, name="invitation_accept"),
]
