from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("count/", views.notification_count, name="count"),
    path("read/", views.mark_all_read, name="read_all"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("settings/", views.notification_settings, name="settings"),
    path("e-mails/", views.deliveries, name="deliveries"),
    path("e-mails/<int:pk>/retry/", views.delivery_retry, name="retry"),
]
