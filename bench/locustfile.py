"""The load test's users (run by bench/load.py, which starts gunicorn and passes the settings).

Each simulated user logs in once with its own account (its own session cookie), then browses a mix
of the initiative list, initiative pages, the ranking and the dashboard, with a think time between
requests. A response that is not 200, or a page that turns out to be the login page, is an error.
"""

import itertools
import json
import os
import random
import re

import requests
from locust import HttpUser, between, task

with open(os.environ["LOAD_DATA"]) as _handle:
    _DATA = json.load(_handle)
ACCOUNTS = _DATA["accounts"]  # [[username, password], ...]
REFS = _DATA["refs"]  # initiatives every account may see
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "0.5,2").split(","))
_next_account = itertools.count()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class PortfolioUser(HttpUser):
    wait_time = between(*THINK)

    def on_start(self):
        username, password = ACCOUNTS[next(_next_account) % len(ACCOUNTS)]
        self.random = random.Random(username)
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

    def _get(self, url: str, name: str):
        with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
            elif 'name="password"' in r.text:
                r.failure("got the login page")

    @task(3)
    def initiative_list(self):
        page = self.random.randint(1, 40)
        self._get(f"/initiatives/?page={page}", "initiative list")

    @task(3)
    def initiative_detail(self):
        self._get(f"/initiatives/{self.random.choice(REFS)}/", "initiative detail")

    @task(2)
    def ranking(self):
        self._get("/portfolio/ranking/", "ranking")

    @task(2)
    def dashboard(self):
        self._get("/portfolio/dashboard/", "dashboard")
