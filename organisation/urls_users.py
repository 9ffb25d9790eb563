from django.urls import path

from organisation.views import profile, users

# Included by organisation/urls.py at users/: the names live in the "organisation" namespace.
urlpatterns = [
    path("", users.user_list, name="users"),
    path("invite/", users.user_invite, name="user_invite"),
    path("new/", users.user_create, name="user_create"),
    path("me/", profile.profile, name="profile"),
    path("<int:pk>/", users.user_edit, name="user_edit"),
    path("<int:pk>/password-link/", users.user_reset, name="user_reset"),
    path("<int:pk>/deactivate/", users.user_deactivate, name="user_deactivate"),
    path("<int:pk>/reactivate/", users.user_reactivate, name="user_reactivate"),
]
