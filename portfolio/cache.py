"""Caching of expensive aggregates with correct invalidation.

Every save or delete of a model the figures depend on changes the data version (signals, below);
bulk writes that send no signals (imports, the demo and synthetic loaders) call
`bump_data_version()` themselves. A cache key always includes the current version, so a stale
entry is never read again: it simply expires.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from portfolio.models import DataVersion


def data_version() -> str:
    """The current data version (one query)."""
    version = DataVersion.objects.filter(pk=1).values_list("token", flat=True).first()
    if version is None:
        version = DataVersion.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})[
            0
        ].token
    return version


def bump_data_version(**_kwargs) -> None:
    """Give the data a new version.

    Written in the same transaction as the change: other processes see the new version exactly
    when they see the new data, and a rolled-back change leaves the version as it was.
    """
    updated = DataVersion.objects.filter(pk=1).update(token=uuid.uuid4().hex)
    if not updated:
        DataVersion.objects.get_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


def cached(key: str, compute: Callable[[], object]) -> object:
    """compute(), cached under key + the data version for FIGURES_CACHE_SECONDS (0: off)."""
    seconds = getattr(settings, "FIGURES_CACHE_SECONDS", 0)
    if not seconds:
        return compute()
    full_key = f"{key}:{data_version()}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, seconds)
    return value


def connect_signals() -> None:
    from benefits.models import Benefit, Measurement, PortfolioSetting
    from initiatives.models import Initiative, ProgressUpdate, StageChange
    from organisation.models import Department
    from portfolio.models import Alignment, CouncilGoal

    def setting_saved(created=False, **kwargs):
        # The settings row is created with its defaults on first read: that changes nothing.
        if not created:
            bump_data_version()

    post_save.connect(
        setting_saved, sender=PortfolioSetting, weak=False, dispatch_uid="bump-setting"
    )
    for model in (Initiative, ProgressUpdate, StageChange, Department, Benefit, Measurement,
                  Alignment, CouncilGoal):  # fmt: skip
        post_save.connect(bump_data_version, sender=model, dispatch_uid=f"bump-{model.__name__}")
        post_delete.connect(
            bump_data_version, sender=model, dispatch_uid=f"bump-del-{model.__name__}"
        )
