"""The shared figures cache: with REDIS_URL set, every app server reads what another one cached.

Against the real Redis on 127.0.0.1:6379 (CI starts it), in database 15, under a key prefix of
its own per test: tests run in parallel, and clearing the cache would flush the whole database,
so each test deletes only its own keys. Without a reachable Redis the tests fail in CI (CI set)
and are skipped on a developer's machine.
"""

import os
import uuid

import numpy as np
import pytest
import redis
from django.core.cache import caches
from django.test import override_settings

from portfolio import cache as figures_cache
from portfolio.cache import bump_data_version, cached
from portfolio.settings import cache_settings

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def prefix():
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"test-{uuid.uuid4().hex}"
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        message = f"Redis is not reachable at {REDIS_URL} ({error}); .ci/run starts it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield prefix
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def servers(prefix):
    """Two cache clients built from the settings as the app builds them: two app servers."""
    with override_settings(CACHES=cache_settings(REDIS_URL, prefix), FIGURES_CACHE_SECONDS=600):
        first, second = caches.create_connection("default"), caches.create_connection("default")
        yield first, second
        first.close()
        second.close()


def test_with_a_redis_url_the_cache_is_redis_under_the_key_prefix():
    config = cache_settings("redis://cache.example:6379/0", "kommun")["default"]
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert config["LOCATION"] == "redis://cache.example:6379/0"
    assert config["KEY_PREFIX"] == "kommun"


def test_what_one_server_caches_the_other_reads(servers, prefix):
    first, second = servers
    assert first is not second
    first.set("figures", {"realised": 45_000}, 60)
    assert second.get("figures") == {"realised": 45_000}
    second.delete("figures")
    assert first.get("figures") is None
    client = redis.Redis.from_url(REDIS_URL)
    first.set("kept", 1, 60)
    assert list(client.scan_iter(match=f"{prefix}:*")) != []  # under this test's prefix only
    client.close()


@pytest.mark.django_db
def test_a_figure_cached_by_one_server_is_served_by_the_other_until_its_data_changes(
    servers, monkeypatch
):
    first, second = servers
    calls = []

    def compute():
        calls.append(1)
        return {"columns": ["R1", "R2"], "alignment": np.array([[1.0, 2.0]]), "n": len(calls)}

    monkeypatch.setattr(figures_cache, "cache", first)
    value = cached("candidates:probe", compute, areas=("initiatives", "goals"))
    monkeypatch.setattr(figures_cache, "cache", second)
    again = cached("candidates:probe", compute, areas=("initiatives", "goals"))
    assert again["n"] == value["n"] == 1
    np.testing.assert_array_equal(again["alignment"], value["alignment"])
    bump_data_version("benefits")  # a new measurement: the candidates stay
    assert cached("candidates:probe", compute, areas=("initiatives", "goals"))["n"] == 1
    bump_data_version("goals")  # a new score: every server computes afresh, once
    assert cached("candidates:probe", compute, areas=("initiatives", "goals"))["n"] == 2
    monkeypatch.setattr(figures_cache, "cache", first)
    assert cached("candidates:probe", compute, areas=("initiatives", "goals"))["n"] == 2
