from django.urls import path

from benefits import views

app_name = "benefits"

urlpatterns = [
    path("", views.register, name="register"),
    path("settings/", views.settings_edit, name="settings"),
    path("calibration/", views.calibration, name="calibration"),
    path("mine/", views.mine, name="mine"),
    path("handover/<str:ref>/", views.handover, name="handover"),
    path("<int:pk>/review/", views.closing_review, name="review"),
    path("new/<str:ref>/", views.benefit_create, name="create"),
    path("<int:pk>/edit/", views.benefit_edit, name="edit"),
    path("<int:pk>/measurements/", views.measurement_create, name="measurement_create"),
]
