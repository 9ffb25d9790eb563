from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Reminders and digests: who is told what is due, in the app and by e-mail, never twice."""

    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from organisation.signals import language_chosen

        language_chosen.connect(_remember_language, dispatch_uid="notifications_language")


def _remember_language(sender, user, language: str, **kwargs) -> None:
    from notifications.models import Recipient

    Recipient.objects.update_or_create(user=user, defaults={"language": language})
