"""Departments, administered by the office (names in the "organisation" namespace)."""

from django.urls import path

from organisation.views import departments

urlpatterns = [
    path("", departments.department_list, name="departments"),
    path("new/", departments.department_create, name="department_create"),
    path("<int:pk>/", departments.department_edit, name="department_edit"),
    path("<int:pk>/archive/", departments.department_archive, name="department_archive"),
    path("<int:pk>/restore/", departments.department_restore, name="department_restore"),
    path("<int:pk>/merge/", departments.department_merge, name="department_merge"),
]
