"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and can refuse."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from typing import Any


@dataclass
class Inbox:
    """What the loopback server received, and how many next mails it should refuse."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: int = 0

    def to(self, address: str) -> list[EmailMessage]:
        """Return the mails received for one address."""
        return [m for m in self.messages if m["To"] == address]


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.inbox.refuse > 0:
            self.inbox.refuse -= 1
            return "451 4.3.0 try again later"
        parsed = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.inbox.messages.append(parsed)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_smtp() -> Iterator[Inbox]:
    """Run an SMTP server on a free loopback port (a test module's `smtp` fixture)."""
    from aiosmtpd.controller import Controller

    inbox = Inbox(port=_free_port())
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def mail_config(inbox: Inbox) -> dict[str, Any]:
    """The app settings that send mail to the loopback server."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": inbox.port,
        "MAIL_SECURITY": "none",
        "MAIL_FROM": "bundler <noreply@bundler.test>",
        "PUBLIC_URL": "https://bundler.test",
        "MAIL_TIMEOUT_SECONDS": 5,
    }


def text_of(message: EmailMessage) -> str:
    """Return the plain-text part of a mail."""
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    """Return the HTML part of a mail."""
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())
