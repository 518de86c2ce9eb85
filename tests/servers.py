"""Loopback servers for tests: a free port, waiting for a condition, and a real SMTP server (aiosmtpd) that
keeps what arrives. Used by the mail, job, alert and plaatsingsverzoek tests and the gunicorn tests."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


class Inbox(Message):
    """Keeps every message; ``port`` and ``controller`` are set while its server runs."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@contextmanager
def smtp_inbox() -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that keeps what arrives."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    inbox.controller = controller
    try:
        yield inbox
    finally:
        with suppress(AssertionError):
            controller.stop()
