from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    """Departments, users, roles and who may do what: what every other app builds on."""

    name = "organisation"
    verbose_name = _("Organisation")
    default_auto_field = "django.db.models.BigAutoField"
