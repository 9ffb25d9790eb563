"""Browser tests of single sign-on: the project's Chromium setup (tests/browser/conftest.py),
reused, and the same rule that browser tests run after all the others."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import (  # noqa: F401 - fixtures, registered by being imported
    _chromium_is_installed,
    _orm_beside_playwright,
    base_url,
    browser_type_launch_args,
    role_groups,
)

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Iterator[None]:
    """As tests/browser does for its own: mark these `browser`, and run them last."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)
    yield
    ours = [item for item in items if item.path.is_relative_to(HERE)]
    items[:] = [item for item in items if not item.path.is_relative_to(HERE)] + ours
