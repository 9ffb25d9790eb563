"""Caching of expensive aggregates with correct invalidation, as narrow as the data.

The data is split into areas, each with its own version in the database (`DataVersion`). Every
save or delete of a model changes the version of its area (signals, below); bulk writes that send
no signals (imports, the demo and synthetic loaders, a restore) call `bump_data_version(*areas)`
themselves, or `bump_data_version()` for every area when they write all over. A cached value is
keyed on the versions of the areas it reads, so a stale entry is never read again (it simply
expires or is culled), and a write to an area it does not read leaves it alone: a new measurement
does not throw away the ranking's candidates.

Where the entries live is settings.CACHES: Redis shared by every app server when REDIS_URL is set,
a bounded per-process memory cache otherwise (portfolio/settings.py, `cache_settings`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from portfolio.models import DataVersion

logger = logging.getLogger(__name__)

# What each area holds; a model belongs to the area of what it changes on the pages.
INITIATIVES = "initiatives"  # Initiative, StageChange, Department, CostLine
GOALS = "goals"  # CouncilGoal, Alignment (the scores against the goals), links, alternatives
BENEFITS = "benefits"  # Benefit, Measurement, PortfolioSetting (the hourly rate)
UPDATES = "updates"  # ProgressUpdate
# The benefits' plans: every write to BENEFITS but a measurement. The planned business case (net
# present value) reads them, and a budget selection by it is not computed again after each
# measurement recorded somewhere in the portfolio.
PLANS = "plans"
AREAS = (INITIATIVES, GOALS, BENEFITS, UPDATES, PLANS)


def _areas(areas: Iterable[str] | None) -> tuple[str, ...]:
    """The areas asked for, sorted and without repeats; none given means all (the safe side)."""
    areas = tuple(sorted(set(areas or AREAS)))
    unknown = [area for area in areas if area not in AREAS]
    if unknown:
        raise ValueError(f"Unknown data areas {unknown}; the areas are {AREAS}")
    return areas


def data_versions(areas: Iterable[str] | None = None) -> dict[str, str]:
    """The current version of each area asked for (all without): one query.

    An area without a row yet (a fresh or flushed database) gets one here.
    """
    areas = _areas(areas)
    found = dict(DataVersion.objects.filter(area__in=areas).values_list("area", "token"))
    for area in areas:
        if area not in found:
            found[area] = DataVersion.objects.get_or_create(
                area=area, defaults={"token": uuid.uuid4().hex}
            )[0].token
    return found


def data_version(*areas: str) -> str:
    """One token for the given areas (all without) that changes when any of them changes."""
    versions = data_versions(areas)
    return "-".join(versions[area] for area in sorted(versions))


def bump_data_version(*areas: str, plans: bool = True, **_signal_kwargs) -> None:
    """Give the given areas (all without) a new version: one query. BENEFITS brings PLANS with
    it, unless `plans` is false (a measurement changes no plan).

    Written in the same transaction as the change: other processes see the new version exactly
    when they see the new data, and a rolled-back change leaves the version as it was.
    """
    if BENEFITS in areas and plans:
        areas = (*areas, PLANS)
    areas = _areas(areas)
    token = uuid.uuid4().hex
    updated = DataVersion.objects.filter(area__in=areas).update(
        token=token, changed_at=timezone.now()
    )
    if updated < len(areas):
        for area in areas:
            DataVersion.objects.get_or_create(area=area, defaults={"token": token})


def cached(key: str, compute: Callable[[], object], areas: Iterable[str] | None = None) -> object:
    """compute(), cached for FIGURES_CACHE_SECONDS (0: off) under key + the versions of the
    areas it reads (all when not given: a caller that does not say is invalidated by any write)."""
    seconds = getattr(settings, "FIGURES_CACHE_SECONDS", 0)
    if not seconds:
        return compute()
    full_key = f"{key}:{data_version(*_areas(areas))}"
    try:
        value = cache.get(full_key)
    except Exception:  # the cache is only a shortcut: an unreachable Redis must not fail a page
        logger.warning("The figures cache could not be read; computing afresh", exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(full_key, value, seconds)
        except Exception:
            logger.warning("The figures cache could not be written", exc_info=True)
    return value


def _bumper(area: str) -> Callable[..., None]:
    """A signal receiver that bumps one area's version."""

    def bump(**_signal_kwargs) -> None:
        bump_data_version(area)

    bump.__name__ = f"bump_{area}"
    return bump


def model_areas() -> dict[type, str]:
    """Each model whose writes change a cached figure, and its area."""
    from benefits.models import Benefit, Measurement, PortfolioSetting
    from initiatives.models import CostLine, Initiative, ProgressUpdate, StageChange
    from organisation.models import Department
    from portfolio.models import Alignment, Alternative, AlternativeGroup, CouncilGoal, Dependency

    return {
        Initiative: INITIATIVES, StageChange: INITIATIVES, Department: INITIATIVES,
        # Cost lines: their sums are the initiative's money columns (the budget's costs).
        CostLine: INITIATIVES,
        Alignment: GOALS, CouncilGoal: GOALS,
        # "Requires" links and groups of alternatives: read with the ranking's candidates.
        Dependency: GOALS, AlternativeGroup: GOALS, Alternative: GOALS,
        Benefit: BENEFITS, Measurement: BENEFITS, PortfolioSetting: BENEFITS,
        ProgressUpdate: UPDATES,
    }  # fmt: skip


def connect_signals() -> None:
    from benefits.models import PortfolioSetting

    bumpers = {area: _bumper(area) for area in AREAS}

    def setting_saved(created=False, **kwargs):
        # The settings row is created with its defaults on first read: that changes nothing.
        if not created:
            bump_data_version(BENEFITS)

    from benefits.models import Measurement

    def measurement_written(**kwargs):
        bump_data_version(BENEFITS, plans=False)

    for model, area in model_areas().items():
        if model is Measurement:
            post_save.connect(
                measurement_written, sender=model, weak=False, dispatch_uid="bump-measurement"
            )
            post_delete.connect(
                measurement_written, sender=model, weak=False, dispatch_uid="bump-del-measurement"
            )
            continue
        if model is PortfolioSetting:
            post_save.connect(setting_saved, sender=model, weak=False, dispatch_uid="bump-setting")
        else:
            post_save.connect(
                bumpers[area], sender=model, weak=False, dispatch_uid=f"bump-{model.__name__}"
            )
        post_delete.connect(
            bumpers[area], sender=model, weak=False, dispatch_uid=f"bump-del-{model.__name__}"
        )
