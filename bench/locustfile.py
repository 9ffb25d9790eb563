"""The load test's users (run by bench/load.py, which starts gunicorn and passes the settings).

Each simulated user logs in once with its own account (its own session cookie), then browses a mix
of the initiative list, initiative pages, the ranking, the dashboard and the API dashboard (with
the session, as the app's own pages call it), with a think time between requests. The department
heads given writes (bench/load.py: one by default) also post a measurement every 10 s, as the app's
form does: the form page first
(for its CSRF token), then the POST, answered by a redirect to the initiative. A response that is
not what the app answers on success, or a page that turns out to be the login page, is an error.
"""

import itertools
import json
import os
import random
import re
import time

import requests
from locust import HttpUser, between, task

with open(os.environ["LOAD_DATA"]) as _handle:
    _DATA = json.load(_handle)
ACCOUNTS = _DATA["accounts"]  # [[username, password], ...]
REFS = _DATA["refs"]  # initiatives every account may see
# username -> [[benefit pk, "YYYY-MM-DD"], ...]: benefits the account may measure, on a free date
WRITES = _DATA.get("writes", {})
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "0.5,2").split(","))
WRITE_EVERY = float(os.environ.get("LOAD_WRITE_EVERY", "10"))
_next_account = itertools.count()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class PortfolioUser(HttpUser):
    wait_time = between(*THINK)

    def on_start(self):
        username, password = ACCOUNTS[next(_next_account) % len(ACCOUNTS)]
        self.username = username
        self.random = random.Random(username)
        self.writes = iter(WRITES.get(username, []))
        self.next_write = time.monotonic() + self.random.uniform(0, WRITE_EVERY)
        # Logged in with a plain requests session, so the logins stay out of the statistics;
        # its cookies (session, CSRF) then go with every request of this user.
        login = requests.Session()
        page = login.get(f"{self.host}/accounts/login/")
        token = CSRF.search(page.text).group(1)
        response = login.post(
            f"{self.host}/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"},
            allow_redirects=False,
        )
        self.client.cookies.update(login.cookies)
        if response.status_code != 302:
            raise RuntimeError(f"login failed for {username}: {response.status_code}")

    def _get(self, url: str, name: str, expect: str = ""):
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
            elif 'name="password"' in r.text:
                r.failure("got the login page")
            elif expect and expect not in r.text:
                r.failure(f"no {expect!r} in the answer")
            return r

    @task(3)
    def initiative_list(self):
        if self._write_due():
            return
        page = self.random.randint(1, 40)
        self._get(f"/initiatives/?page={page}", "initiative list")

    @task(3)
    def initiative_detail(self):
        if self._write_due():
            return
        self._get(f"/initiatives/{self.random.choice(REFS)}/", "initiative detail")

    @task(2)
    def ranking(self):
        if self._write_due():
            return
        self._get("/portfolio/ranking/", "ranking")

    @task(2)
    def dashboard(self):
        if self._write_due():
            return
        self._get("/portfolio/dashboard/", "dashboard")

    @task(1)
    def api_dashboard(self):
        if self._write_due():
            return
        self._get("/api/v1/dashboard", "API dashboard", expect="{")

    def _write_due(self) -> bool:
        """A department head posts a measurement when 10 s have passed since the last one (the
        task it replaces is skipped, so the mix of reads stays as it was)."""
        if not WRITES.get(self.username) or time.monotonic() < self.next_write:
            return False
        self.next_write += WRITE_EVERY
        pair = next(self.writes, None)
        if pair is None:
            return False
        self.post_measurement(*pair)
        return True

    def post_measurement(self, benefit: int, day: str):
        """GET the form (its CSRF token), POST it: recorded, the app redirects (302)."""
        url = f"/benefits/{benefit}/measurements/"
        form = self._get(url, "measurement form")
        found = CSRF.search(form.text or "")
        if not found:
            return
        prefix = f"m{benefit}"
        data = {
            "csrfmiddlewaretoken": found.group(1),
            f"{prefix}-date": day,
            f"{prefix}-value": str(self.random.randint(1, 500)),
            f"{prefix}-note": "load test",
        }
        headers = {"Referer": f"{self.host}{url}"}
        with self.client.post(
            url,
            data=data,
            headers=headers,
            name="measurement POST",
            catch_response=True,
            allow_redirects=False,
        ) as r:
            if r.status_code != 302:
                r.failure(f"status {r.status_code}")
