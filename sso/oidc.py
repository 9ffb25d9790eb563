"""The identity provider's endpoints, read from its discovery document on first use.

mozilla-django-oidc wants every endpoint in a setting; the city's IT department knows only the
issuer (e.g. https://login.microsoftonline.com/<tenant>/v2.0). The endpoints are fetched from
`<issuer>/.well-known/openid-configuration` when the first login starts, never at import time (a
provider that is down must not stop the app from starting), and kept for a while in the process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from django.conf import settings

# The discovery document changes rarely (key rotation goes through the JWKS, fetched per login).
CACHE_SECONDS = 60 * 60


class DiscoveryError(Exception):
    """The provider's discovery document could not be read or does not describe the issuer."""


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    end_session_endpoint: str | None


_cache: dict[str, tuple[float, ProviderConfig]] = {}
_lock = threading.Lock()


def enabled() -> bool:
    """Single sign-on is on when an issuer and a client id are configured."""
    return bool(getattr(settings, "OIDC_ISSUER", "") and getattr(settings, "OIDC_RP_CLIENT_ID", ""))


def discovery_url() -> str:
    return settings.OIDC_DISCOVERY_URL or (
        settings.OIDC_ISSUER.rstrip("/") + "/.well-known/openid-configuration"
    )


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def cached_provider_config() -> ProviderConfig | None:
    """The configuration if it was fetched already; never goes to the network."""
    entry = _cache.get(discovery_url())
    return entry[1] if entry and entry[0] > time.monotonic() else None


def provider_config() -> ProviderConfig:
    """The provider's endpoints; fetched on first use and cached, failures are not cached."""
    url = discovery_url()
    config = cached_provider_config()
    if config is not None:
        return config
    with _lock:
        entry = _cache.get(url)
        if entry and entry[0] > time.monotonic():
            return entry[1]
        config = _fetch(url)
        _cache[url] = (time.monotonic() + CACHE_SECONDS, config)
        return config


def _fetch(url: str) -> ProviderConfig:
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise DiscoveryError(f"cannot read the discovery document at {url}: {error}") from error
    if not isinstance(document, dict):
        raise DiscoveryError(f"the discovery document at {url} is not a JSON object")
    # OpenID Connect Discovery 1.0, section 4.3: the issuer in the document must be the one we
    # asked for, or a document from elsewhere could send our users and our secret to another site.
    issuer = document.get("issuer")
    if not isinstance(issuer, str) or issuer.rstrip("/") != settings.OIDC_ISSUER.rstrip("/"):
        raise DiscoveryError(
            f"the discovery document at {url} names the issuer {issuer!r}, "
            f"not the configured OIDC_ISSUER {settings.OIDC_ISSUER!r}"
        )
    missing = [
        key
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
        if not isinstance(document.get(key), str) or not document[key]
    ]
    if missing:
        raise DiscoveryError(f"the discovery document at {url} lacks {', '.join(missing)}")
    optional = {
        key: document[key] if isinstance(document.get(key), str) and document[key] else None
        for key in ("userinfo_endpoint", "end_session_endpoint")
    }
    return ProviderConfig(
        issuer=issuer,
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        **optional,
    )


def end_session_url(*, id_token: str, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser so the provider ends its session too (RP-initiated logout).

    None when the provider has no end_session_endpoint or cannot be reached: the local logout
    still happens.
    """
    try:
        endpoint = provider_config().end_session_endpoint
    except DiscoveryError:
        return None
    if not endpoint:
        return None
    parts = urlsplit(endpoint)
    query = parse_qsl(parts.query) + [
        ("id_token_hint", id_token),
        ("post_logout_redirect_uri", post_logout_redirect_uri),
        ("client_id", settings.OIDC_RP_CLIENT_ID),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def provider_origins() -> list[str]:
    """The provider's origins a form on our pages may end up at (the logout's redirect)."""
    urls = [settings.OIDC_ISSUER]
    config = cached_provider_config()
    if config is not None and config.end_session_endpoint:
        urls.append(config.end_session_endpoint)
    origins = []
    for url in urls:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if parts.scheme in {"http", "https"} and parts.netloc and origin not in origins:
            origins.append(origin)
    return origins
