from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    """Departments, users, roles and who may do what: what every other app builds on."""

    name = "organisation"
    verbose_name = _("Organisation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import user_logged_in
        from django.contrib.auth.models import update_last_login

        # Django's own receiver saves last_login, which would add a history row at every login.
        from organisation.signals import remember_previous_login

        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        # Before the stamp is overwritten: the start page lists what changed since that visit.
        user_logged_in.connect(
            remember_previous_login, dispatch_uid="organisation_remember_previous_login"
        )
        user_logged_in.connect(_update_last_login, dispatch_uid="organisation_update_last_login")


def _update_last_login(sender, user, **kwargs) -> None:
    from django.utils import timezone

    user.last_login = timezone.now()
    user.skip_history_when_saving = True
    try:
        user.save(update_fields=["last_login"])
    finally:
        del user.skip_history_when_saving
