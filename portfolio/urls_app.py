from django.urls import path

from portfolio.views import dashboard, goals, ranking

app_name = "portfolio"

urlpatterns = [
    path("dashboard/", dashboard.dashboard_page, name="dashboard"),
    path("ranking/", ranking.ranking_page, name="ranking"),
    path("ranking/sensitivity/", ranking.sensitivity_page, name="sensitivity"),
    path("ranking/frontier/", ranking.frontier_page, name="frontier"),
    path("decisions/", ranking.decision_list, name="decisions"),
    path("decisions/new/", ranking.decision_save, name="decision_save"),
    path("decisions/<int:pk>/", ranking.decision_detail, name="decision"),
    path("goals/", goals.goal_list, name="goals"),
    path("goals/new/", goals.goal_edit, name="goal_create"),
    path("goals/<int:pk>/edit/", goals.goal_edit, name="goal_edit"),
    path("goals/ahp/", goals.ahp_page, name="ahp"),
    path(
        "initiatives/<str:ref>/goals/<int:goal_pk>/",
        goals.alignment_set,
        name="alignment_set",
    ),
]
