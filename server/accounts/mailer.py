"""Sending mail, pluggably: the console mailer (default) prints; tests record."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from typing import Protocol

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    def send(self, mail: Mail) -> None: ...


class ConsoleMailer:
    """Prints mail to stderr: enough for a laptop, where the organiser reads the console."""

    def send(self, mail: Mail) -> None:
        print(f"--- mail to {mail.to}: {mail.subject}\n{mail.body}\n---", file=sys.stderr)


@dataclass
class RecordingMailer:
    """Keeps what it sends, for tests."""

    outbox: list[Mail] = field(default_factory=list)

    def send(self, mail: Mail) -> None:
        self.outbox.append(mail)
