from django.urls import path

from portfolio import link_views
from portfolio.views import dashboard, goals, ranking, setup, start, transfer

app_name = "portfolio"

urlpatterns = [
    path("start/", start.start_page, name="start"),
    path("dashboard/", dashboard.dashboard_page, name="dashboard"),
    path("ranking/", ranking.ranking_page, name="ranking"),
    path("ranking/sensitivity/", ranking.sensitivity_page, name="sensitivity"),
    path("ranking/frontier/", ranking.frontier_page, name="frontier"),
    path("ranking/computations/<int:pk>/", ranking.computation_status, name="computation"),
    path("decisions/", ranking.decision_list, name="decisions"),
    path("decisions/new/", ranking.decision_save, name="decision_save"),
    path("decisions/<int:pk>/", ranking.decision_detail, name="decision"),
    path("decisions/<int:pk>/record/", ranking.decision_record, name="decision_record"),
    path("ranking/export/", transfer.ranking_export, name="ranking_export"),
    path("decisions/<int:pk>/export/", transfer.decision_export, name="decision_export"),
    path("export/initiatives/", transfer.initiatives_export, name="initiatives_export"),
    path("export/cost-lines/", transfer.cost_lines_export, name="cost_lines_export"),
    path("export/benefits/", transfer.benefits_export, name="benefits_export"),
    path("import/", transfer.import_upload, name="import"),
    path("import/templates/<str:kind>.xlsx", transfer.import_template, name="import_template"),
    path("import/<int:pk>/", transfer.import_preview, name="import_preview"),
    path("import/<int:pk>/apply/", transfer.import_apply, name="import_apply"),
    path("import/<int:pk>/status/", transfer.import_status, name="import_status"),
    path("setup/", setup.setup_start, name="setup"),
    path("setup/waiting/", setup.setup_pending, name="setup_pending"),
    path("setup/organisation/", setup.setup_name, name="setup_name"),
    path("setup/departments/", setup.setup_departments, name="setup_departments"),
    path("setup/goals/", setup.setup_goals, name="setup_goals"),
    path("setup/hourly-rate/", setup.setup_rate, name="setup_rate"),
    path("setup/import/", setup.setup_import, name="setup_import"),
    path("setup/finish/", setup.setup_finish, name="setup_finish"),
    path("goals/", goals.goal_list, name="goals"),
    path("goals/new/", goals.goal_edit, name="goal_create"),
    path("goals/<int:pk>/edit/", goals.goal_edit, name="goal_edit"),
    path("goals/ahp/", goals.ahp_page, name="ahp"),
    path("initiatives/<str:ref>/goals/", goals.alignment_edit, name="alignment_edit"),
    path(
        "initiatives/<str:ref>/goals/<int:goal_pk>/",
        goals.alignment_set,
        name="alignment_set",
    ),
    path("initiatives/<str:ref>/links/", link_views.links_edit, name="links"),
    path("initiatives/<str:ref>/links/requires/", link_views.requires_add, name="requires_add"),
    path(
        "initiatives/<str:ref>/links/requires/remove/",
        link_views.requires_remove,
        name="requires_remove",
    ),
    path("initiatives/<str:ref>/links/group/", link_views.group_set, name="group_set"),
    path("initiatives/<str:ref>/links/group/leave/", link_views.group_leave, name="group_leave"),
]
