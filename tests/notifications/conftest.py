"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the e-mail tests, and a small portfolio that
has one of everything a reminder is about."""

from __future__ import annotations

import datetime as dt
import email
import socket
import threading
from collections.abc import Iterator
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings
from django.utils import timezone

from initiatives.models import Stage, StageChange, StageChangeStatus
from tests.benefits.factories import make_benefit
from tests.conftest import make_department, make_initiative, make_update, make_user


class Inbox:
    """What the SMTP server received: one parsed message per recipient address."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.messages.append(
                (list(envelope.rcpt_tos), email.message_from_bytes(envelope.content))
            )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [message for rcpt, message in self.messages if address in rcpt]

    def __len__(self) -> int:
        with self.lock:
            return len(self.messages)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_settings(port: int):
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_TIMEOUT=5,
        DEFAULT_FROM_EMAIL="portfolj@kommun.example",
        PORTFOLIO_URL="https://portfolj.kommun.example",
    )


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    """An SMTP server listening on 127.0.0.1 and Django's SMTP backend pointed at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtp_settings(port):
            yield inbox
    finally:
        controller.stop()


def body(message: Message, kind: str = "text/plain") -> str:
    for part in message.walk():
        if part.get_content_type() == kind:
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no {kind} part")


def subject(message: Message) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


@pytest.fixture
def city(db):
    """An office user, a department head, an owner, a benefit owner and an executive, and one
    initiative for each kind of reminder."""
    today = timezone.localdate()
    utb = make_department("Utbildningsförvaltningen", "UTB")
    soc = make_department("Socialförvaltningen", "SOC")
    people = {
        "office": make_user("office"),
        "head": make_user("department_head", utb),
        "owner": make_user("department_head"),
        # A line manager in another department owns a benefit of UTB's initiative.
        "benefit_owner": make_user("department_head", soc),
        "executive": make_user("executive"),
    }
    for name, user in people.items():
        user.email = f"{name}@kommun.example"
        user.save()
    overdue = make_initiative(utb, title="Skolskjuts-RPA", owner=people["owner"], stage=Stage.PILOT)
    make_update(overdue, people["owner"], days_ago=45)
    pilot = make_initiative(
        utb,
        title="Digital närvaro",
        stage=Stage.PILOT,
        planned_end=today - dt.timedelta(days=10),
    )
    make_update(pilot, people["head"], days_ago=2)
    benefit = make_benefit(pilot, title="Frigjorda timmar", owner=people["benefit_owner"])
    proposal = StageChange.objects.create(
        initiative=pilot,
        from_stage=Stage.PILOT,
        to_stage=Stage.SCALING,
        reason="Piloten höll.",
        status=StageChangeStatus.PROPOSED,
        proposed_by=people["head"],
    )
    return {
        **people,
        "utb": utb,
        "overdue": overdue,
        "pilot": pilot,
        "benefit": benefit,
        "proposal": proposal,
    }
