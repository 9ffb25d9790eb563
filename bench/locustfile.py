"""The load test's users (run by bench/load.py, which starts gunicorn and passes the settings).

Each simulated user logs in once with its own account (its own session cookie), then browses a mix
of the initiative list, initiative pages, the ranking, the dashboard and the API dashboard (with
the session, as the app's own pages call it), with a think time between requests. The department
heads given writes (bench/load.py: one by default) also post a measurement every 10 s, as the app's
form does: the form page first
(for its CSRF token), then the POST, answered by a redirect to the initiative. A response that is
not what the app answers on success, or a page that turns out to be the login page, is an error.

One more user (BudgetUser, one of the users, an office account) asks the ranking every ~20 s for
the best set within a budget over every open initiative, a budget one krona higher each time (a
new computation, never a stored one), then polls the computation as the page does (every 0.5 s,
not the page's 2 s, for a sharper time) until it is answered, and reports the time from asking to
the answer shown as its own request, "budget selection, answered" (bench/load.py keeps it, and the
polls, out of the pages' p95). Every request's time is also written to LOAD_REQUESTS, from which
bench/load.py computes the pages' p95.
"""

import itertools
import json
import os
import random
import re
import time

import requests
from locust import HttpUser, between, constant_pacing, events, task

from bench.load import ANSWERED, POLL, budget_state

with open(os.environ["LOAD_DATA"]) as _handle:
    _DATA = json.load(_handle)
ACCOUNTS = _DATA["accounts"]  # [[username, password], ...]
REFS = _DATA["refs"]  # initiatives every account may see
# username -> [[benefit pk, "YYYY-MM-DD"], ...]: benefits the account may measure, on a free date
WRITES = _DATA.get("writes", {})
# The budget user: an office account and the budget (30 % of what the open initiatives cost).
BUDGET = _DATA.get("budget") or {}
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "0.5,2").split(","))
WRITE_EVERY = float(os.environ.get("LOAD_WRITE_EVERY", "10"))
BUDGET_EVERY = float(os.environ.get("LOAD_BUDGET_EVERY", "20"))
POLL_EVERY = 0.5
BUDGET_PATIENCE = 120  # seconds: not answered by then is a failure
HTMX = {"HX-Request": "true"}
_next_account = itertools.count()
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_REQUESTS = open(os.environ["LOAD_REQUESTS"], "a") if os.environ.get("LOAD_REQUESTS") else None


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **_kwargs):
    """Every request's name, time (ms) and failure, one line each, for bench/load.py."""
    if _REQUESTS is not None:
        _REQUESTS.write(f"{name}\t{response_time:.1f}\t{int(exception is not None)}\n")
        _REQUESTS.flush()


class LoggedIn(HttpUser):
    abstract = True

    def log_in(self, username: str, password: str) -> None:
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

    def _get(self, url: str, name: str, expect: str = "", headers: dict | None = None):
        with self.client.get(
            url, name=name, headers=headers, catch_response=True, allow_redirects=False
        ) as r:
            if r.status_code != 200:
                r.failure(f"status {r.status_code}")
            elif 'name="password"' in r.text:
                r.failure("got the login page")
            elif expect and expect not in r.text:
                r.failure(f"no {expect!r} in the answer")
            return r


class PortfolioUser(LoggedIn):
    wait_time = between(*THINK)

    def on_start(self):
        username, password = ACCOUNTS[next(_next_account) % len(ACCOUNTS)]
        self.username = username
        self.random = random.Random(username)
        self.writes = iter(WRITES.get(username, []))
        self.next_write = time.monotonic() + self.random.uniform(0, WRITE_EVERY)
        self.log_in(username, password)

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


class BudgetUser(LoggedIn):
    """One office user asking for the best set within a budget over every open initiative."""

    fixed_count = 1  # one of the users, however many there are
    wait_time = constant_pacing(BUDGET_EVERY)

    def on_start(self):
        self.log_in(*BUDGET["account"])
        self.asked = 0

    @task
    def budget_selection(self):
        """Ask, poll until answered, report the time to the answer (or why there is none)."""
        self.asked += 1
        amount = BUDGET["amount"] + self.asked  # a new budget: a new computation each time
        started = time.monotonic()
        page = self._get(f"/portfolio/ranking/?budget={amount}", "ranking, budget asked")
        state, url = budget_state(page.text or "")
        while state == "pending" and time.monotonic() < started + BUDGET_PATIENCE:
            time.sleep(POLL_EVERY)
            polled = self._get(url, POLL, headers=HTMX)
            state, url = budget_state(polled.text or "")
        if state == "done":
            # As the page does once done: its results again, the selection shown.
            shown = self._get(
                url, "ranking, budget result", headers={**HTMX, "HX-Target": "ranking-results"}
            )
            state, url = budget_state(shown.text or "")
        elapsed = time.monotonic() - started
        problem = None if state == "answered" else RuntimeError(f"not answered: {state}")
        self.environment.events.request.fire(
            request_type="BUDGET",
            name=ANSWERED,
            response_time=elapsed * 1000,
            response_length=0,
            exception=problem,
            context={},
        )
