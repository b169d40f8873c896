"""A local SMTP server writing every message to <directory>/<n>.eml (demo mailbox and tests).

The demo points the pipeline's SMTP settings at it, so "the e-mails land in .linky/mailbox/".
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from linky_pipeline.lib.notify.base import NotifyError


class MailboxError(NotifyError):
    """The local mailbox could not start (port taken, directory unusable)."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (aiosmtpd's readiness probe cannot use port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class _FileHandler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    def _next_path(self) -> Path:
        numbers = [int(p.stem) for p in self.directory.glob("*.eml") if p.stem.isdigit()]
        return self.directory / f"{max(numbers, default=0) + 1}.eml"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        data = content if isinstance(content, bytes) else str(content).encode()
        with self._lock:
            path = self._next_path()
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        return "250 Message accepted for delivery"


class LocalMailbox:
    """aiosmtpd Controller on 127.0.0.1; numbering continues across restarts on the same directory."""

    def __init__(self, directory: str | Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.directory = Path(directory)
        self.host = host
        self.port = int(port) or free_port(host)
        self._controller: Controller | None = None

    def start(self) -> LocalMailbox:
        if self._controller is not None:
            return self
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MailboxError(f"cannot create mailbox directory {str(self.directory)!r}: {exc.strerror}") from None
        controller = Controller(
            _FileHandler(self.directory), hostname=self.host, port=self.port, decode_data=False, ready_timeout=5.0
        )
        try:
            controller.start()
        except Exception as exc:
            raise MailboxError(f"cannot listen on {self.host}:{self.port}: {type(exc).__name__}") from None
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> LocalMailbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def paths(self) -> list[Path]:
        """Received files in arrival order."""
        found = [p for p in self.directory.glob("*.eml") if p.stem.isdigit()]
        return sorted(found, key=lambda p: int(p.stem))

    def messages(self) -> list[EmailMessage]:
        """Received messages parsed with the modern policy (decoded headers, get_content())."""
        parsed = []
        for path in self.paths():
            msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert isinstance(msg, EmailMessage)
            parsed.append(msg)
        return parsed
