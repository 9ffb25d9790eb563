from django.urls import path

from initiatives import cost_views, views

app_name = "initiatives"

urlpatterns = [
    path("", views.initiative_list, name="list"),
    path("new/", views.initiative_create, name="create"),
    path("check-in/", views.check_in, name="check_in"),
    path("lessons/", views.lesson_register, name="lessons"),
    path("stage-proposals/", views.stage_proposals, name="proposals"),
    path("<str:ref>/", views.initiative_detail, name="detail"),
    path("<str:ref>/edit/", views.initiative_edit, name="edit"),
    path("<str:ref>/history/", views.initiative_history, name="history"),
    path("<str:ref>/costs/", cost_views.cost_lines, name="costs"),
    path("<str:ref>/stage/", views.stage_change, name="stage"),
    path("<str:ref>/stage/<int:pk>/decide/", views.stage_decide, name="stage_decide"),
    path("<str:ref>/updates/", views.progress_update_create, name="progress_update"),
    path("<str:ref>/lessons/", views.lesson_create, name="lesson_create"),
    path("<str:ref>/archive/", views.initiative_archive, name="archive"),
]
