from django.urls import include, path

app_name = "organisation"

urlpatterns = [
    path("departments/", include("organisation.urls_departments")),
    path("users/", include("organisation.urls_users")),
]
