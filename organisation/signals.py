"""Remember the login before this one, so the office's start page can show what changed since."""

from __future__ import annotations

import datetime as dt

from django.dispatch import Signal
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime

# Sent with `user` and `language` when a person chooses a language (their account page, the
# header's switch) or is invited in one: whatever writes to them later (reminders) uses it.
language_chosen = Signal()

# The session key holding the user's previous login (ISO 8601), or None at a first login.
PREVIOUS_LOGIN = "previous_login"


def remember_previous_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Copy last_login into the session before the login stamps it with the present.

    Connected to user_logged_in before the receiver that writes last_login (organisation.apps):
    receivers run in the order they were connected.
    """
    if request is None or not hasattr(request, "session"):
        return
    previous = user.last_login
    request.session[PREVIOUS_LOGIN] = previous.isoformat() if previous else None


def previous_login(request: HttpRequest) -> dt.datetime | None:
    """The login before this session's, or None (first login, or a session from before this)."""
    value = request.session.get(PREVIOUS_LOGIN)
    return parse_datetime(value) if value else None
