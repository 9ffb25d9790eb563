"""Fixtures shared by the portfolio's tests."""

import pytest
from django.core.cache import cache


@pytest.fixture
def caching(settings):
    """The figures cache on (it is off in the test settings), empty before and after."""
    settings.FIGURES_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()
