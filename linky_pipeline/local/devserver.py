"""`make dev`: the Dagster UI (code server + webserver + daemon, as in production) on the demo's database,
sandbox and mailbox. Prints its URL once the UI answers; Ctrl-C stops everything and exits 0."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from linky_pipeline.local.dagster_services import ServiceError, dagster_services
from linky_pipeline.local.mailbox import LocalMailbox
from linky_pipeline.local.stack import local_stack

UI_PORT = int(os.environ.get("LINKY_DAGSTER_PORT", "3000"))


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201 - the dev server talks to the user


@contextmanager
def foreground_group() -> Iterator[None]:
    """Own the terminal's foreground: Ctrl-C then reaches this process only, not the `make` that started it
    (make dies of a SIGINT it receives even when its recipe exits 0). Nothing to do without a terminal."""
    try:
        tty = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield
        return
    previous = os.tcgetpgrp(tty)
    ttou = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # a background group may not take the terminal otherwise
    try:
        os.setpgid(0, 0)
        os.tcsetpgrp(tty, os.getpgrp())
        yield
    finally:
        os.tcsetpgrp(tty, previous)
        signal.signal(signal.SIGTTOU, ttou)
        os.close(tty)


class StopFlag:
    """Set by SIGINT/SIGTERM. A plain flag: a threading.Event set from a signal handler can deadlock on the lock
    its own wait() holds in the main thread."""

    def __init__(self) -> None:
        self.requested = False

    def request(self, signum: int, frame: FrameType | None) -> None:  # noqa: ARG002 - signal handler signature
        self.requested = True

    def is_set(self) -> bool:
        return self.requested

    def wait(self) -> None:
        while not self.requested:
            time.sleep(0.2)


def main() -> int:
    stop = StopFlag()
    request_stop = stop.request

    with foreground_group():
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        say("Starting the local database, the sandbox and Dagster (first start: about a minute)…")
        with local_stack() as stack:
            mailbox = LocalMailbox(stack.mailbox).start()
            os.environ.update(
                {
                    "LINKY_SMTP_HOST": "127.0.0.1",
                    "LINKY_SMTP_PORT": str(mailbox.port),
                    "LINKY_SMTP_STARTTLS": "false",
                    "LINKY_SMTP_USERNAME": "",
                    "LINKY_SMTP_PASSWORD": "",
                    "LINKY_SMTP_SENDER": "linky-dev@example.org",
                    "LINKY_WEBHOOK_SECRET": os.environ.get("LINKY_WEBHOOK_SECRET", ""),
                    "LINKY_OPS_WEBHOOK_URL": os.environ.get("LINKY_OPS_WEBHOOK_URL", ""),
                    "LINKY_DASHBOARD_BASE_URL": os.environ.get("LINKY_DASHBOARD_BASE_URL", "http://localhost:3001"),
                }
            )
            try:
                with dagster_services(stack.dagster_home, stack.dagster_home.parent / "logs", UI_PORT) as services:
                    if not stop.is_set():
                        say(
                            f"Dagster UI on {services.url}  (sandbox {stack.sandbox_url}, e-mails in "
                            f"{stack.mailbox}/, Dagster logs in {services.logs}/). Ctrl-C stops everything."
                        )
                    stop.wait()
                    say("Stopping…")
            except ServiceError as exc:
                say(f"Dagster did not start: {exc}")
                return 1
            finally:
                mailbox.stop()
    say("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
