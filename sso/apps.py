from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = _("Single sign-on")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from sso import checks, views

        checks.register()
        user_logged_out.connect(views.remember_id_token_for_logout, dispatch_uid="sso-logout")
