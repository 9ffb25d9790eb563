"""A real OpenID Connect provider (panva's oidc-provider under Node.js) on 127.0.0.1 for the
session, the settings that point the app at it, and a client that signs in through it over HTTP.

The provider lives in tests/sso/provider/; its packages are installed with `npm ci` on first use.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client, override_settings
from jwt.algorithms import RSAAlgorithm

from sso import oidc

PROVIDER_DIR = Path(__file__).resolve().parent / "provider"
CLIENT_ID = "portfolio"
CLIENT_SECRET = "test-only-client-secret-0123456789abcdef"
PROVIDER_NAME = "Test IdP"
PASSWORD = "idp-pass-123"
KEY_ID = "test-signing-key"
# Group ids as Entra ID sends them.
OFFICE_GROUP = "0b7c0e6c-office"
HEAD_UTB_GROUP = "5d1e8f2a-head-utb"
EXECUTIVE_GROUP = "9a4f3b1d-executive"
ROLE_MAP = {
    OFFICE_GROUP: {"role": "office"},
    HEAD_UTB_GROUP: {"role": "department_head", "departments": ["UTB"]},
    EXECUTIVE_GROUP: {"role": "executive"},
}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    """The running provider: its issuer, its signing key (for tokens a test forges) and accounts."""

    issuer: str
    signing_key: rsa.RSAPrivateKey
    accounts_file: Path
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def set_account(self, login: str, **claims: Any) -> dict[str, Any]:
        """Create or change a test account; the provider reads the file at every login."""
        claims.setdefault("sub", f"sub-{login}")
        self.accounts[login] = {"password": PASSWORD, "claims": claims}
        self.accounts_file.write_text(json.dumps(self.accounts))
        return claims

    def sign(self, claims: dict[str, Any], key: rsa.RSAPrivateKey | None = None, **headers) -> str:
        """An RS256 token signed with the provider's own key (or another one)."""
        headers.setdefault("kid", KEY_ID)
        return jwt.encode(claims, key or self.signing_key, algorithm="RS256", headers=headers)


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    node = shutil.which("node")
    if node is None:
        message = "The single sign-on tests need Node.js 20 or later (apt-get install nodejs npm)."
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(PROVIDER_DIR)],
            check=True,
            capture_output=True,
            timeout=300,
        )
    workdir = tmp_path_factory.mktemp("oidc-provider")
    signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(signing_key))
    jwk.pop("key_ops", None)  # PyJWT says ["sign"]; the provider also verifies (id_token_hint)
    jwk.update(kid=KEY_ID, alg="RS256", use="sig")
    (workdir / "key.json").write_text(json.dumps(jwk))
    accounts_file = workdir / "accounts.json"
    accounts_file.write_text("{}")
    port = _free_port()
    log = (workdir / "provider.log").open("w")
    process = subprocess.Popen(
        [node, str(PROVIDER_DIR / "provider.js")],
        cwd=PROVIDER_DIR,
        env={
            **os.environ,
            "PORT": str(port),
            "SIGNING_KEY_FILE": str(workdir / "key.json"),
            "ACCOUNTS_FILE": str(accounts_file),
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the OIDC provider exited: {(workdir / 'provider.log').read_text()}"
                )
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the OIDC provider did not answer within 30 seconds")
            time.sleep(0.1)
        yield Provider(issuer=issuer, signing_key=signing_key, accounts_file=accounts_file)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def sso_overrides(provider: Provider, **extra: Any) -> dict[str, Any]:
    from django.conf import settings

    backends = [b for b in settings.AUTHENTICATION_BACKENDS if b != "sso.backend.Backend"]
    return {
        "OIDC_ISSUER": provider.issuer,
        "OIDC_DISCOVERY_URL": "",
        "OIDC_RP_CLIENT_ID": CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_PROVIDER_NAME": PROVIDER_NAME,
        "OIDC_ROLE_CLAIM": "groups",
        "OIDC_ROLE_MAP": ROLE_MAP,
        "OIDC_ROLES_AUTHORITATIVE": True,
        "AUTHENTICATION_BACKENDS": [*backends, "sso.backend.Backend"],
        **extra,
    }


@pytest.fixture
def sso(oidc_provider: Provider) -> Iterator[Provider]:
    """Single sign-on switched on against the test provider; the discovery cache starts empty."""
    oidc.clear_cache()
    with override_settings(**sso_overrides(oidc_provider)):
        yield oidc_provider
    oidc.clear_cache()


def start_login(client: Client, next_url: str = "/") -> str:
    """Our login redirect: the provider's authorization URL with state, nonce and PKCE."""
    response = client.get("/accounts/oidc/login/", {"next": next_url})
    assert response.status_code == 302, response
    return response["Location"]


def sign_in_at_provider(browser: requests.Session, authorization_url: str, login: str) -> str:
    """Fill the provider's login form as a person would; returns the callback URL it sends back."""
    response = browser.get(authorization_url, allow_redirects=True)
    assert response.status_code == 200, response.text
    if "<form" in response.text and 'name="login"' in response.text:
        action = response.text.split('action="', 1)[1].split('"', 1)[0]
        response = browser.post(
            urljoin(response.url, action),
            data={"login": login, "password": PASSWORD},
            allow_redirects=False,
        )
    # Follow the provider's own redirects until it sends the browser back to us.
    while response.is_redirect:
        location = urljoin(response.url, response.headers["Location"])
        if not location.startswith(browser.issuer):  # type: ignore[attr-defined]
            return location
        response = browser.get(location, allow_redirects=False)
    raise AssertionError(f"the provider did not send the browser back: {response.text[:500]}")


def provider_browser(provider: Provider) -> requests.Session:
    """The user's browser as the provider sees it (its own cookies: the provider's session)."""
    session = requests.Session()
    session.issuer = provider.issuer  # type: ignore[attr-defined]
    return session


def local_path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.netloc == "testserver", url
    return f"{parts.path}?{parts.query}"


def sso_login(
    client: Client, provider: Provider, login: str, browser: requests.Session | None = None
):
    """The whole login: our redirect, the provider's form, the callback; returns its response."""
    browser = browser or provider_browser(provider)
    callback = sign_in_at_provider(browser, start_login(client), login)
    return client.get(local_path(callback))


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
