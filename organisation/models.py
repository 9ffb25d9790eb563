"""The municipality's departments (förvaltningar, municipal companies) and who belongs to them.

Users are Django's own; a role is membership of one of the groups in `permissions.ROLES`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history import register
from simple_history.models import HistoricalRecords


class DepartmentQuerySet(models.QuerySet):
    def active(self) -> DepartmentQuerySet:
        """Departments in use: offered in forms and filters (archived ones keep their history)."""
        return self.filter(archived_at__isnull=True)


class Department(models.Model):
    """A förvaltning or municipal company; users belong to one or more."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.CharField(_("short code"), max_length=20, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("part of"),
        help_text=_("For a unit (enhet): the department (förvaltning) it belongs to."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="departments",
        verbose_name=_("members"),
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[members])
    objects = DepartmentQuerySet.as_manager()

    class Meta:
        # The table keeps the name it had when departments lived in the initiatives app.
        db_table = "initiatives_department"
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Organisation(models.Model):
    """The municipality itself, one row: its name, and whether the first-run setup is done."""

    name = models.CharField(_("name of the organisation"), max_length=200, blank=True)
    setup_completed_at = models.DateTimeField(_("setup completed"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisation")

    def __str__(self) -> str:
        return self.name or str(_("Organisation"))

    @classmethod
    def current(cls) -> Organisation:
        organisation, _created = cls.objects.get_or_create(pk=1)
        return organisation

    @classmethod
    def locked(cls) -> Organisation:
        """The row, locked until the transaction ends: writers that have no row of their own to
        lock (a first department, a new user, the setup) queue here instead of racing."""
        cls.current()
        return cls.objects.select_for_update().get(pk=1)


# Users' changes are history too: who gave whom which role (their groups) and who deactivated whom.
# The password hash stays out of it, and so does the login stamp (organisation.apps writes it
# without a history row: a row per login would bury the changes).
register(
    get_user_model(),
    app="organisation",
    excluded_fields=["password", "last_login"],
    m2m_fields=["groups"],
)
