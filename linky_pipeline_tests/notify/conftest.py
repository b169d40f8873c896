"""Real receivers for notification tests: an aiosmtpd mailbox and a webhook server, both on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from linky_pipeline.local.mailbox import LocalMailbox
from linky_pipeline_tests.support.webhooks import WebhookReceiver, handler_for


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    ref: list[WebhookReceiver] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(ref))
    receiver = WebhookReceiver(server)
    ref.append(receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[LocalMailbox]:
    box = LocalMailbox(tmp_path / "mailbox").start()
    try:
        yield box
    finally:
        box.stop()
