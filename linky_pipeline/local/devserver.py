"""`make dev`: the Dagster UI (webserver + daemon) on the demo's database, sandbox and mailbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from linky_pipeline.local.mailbox import LocalMailbox
from linky_pipeline.local.stack import local_stack

UI_PORT = int(os.environ.get("LINKY_DAGSTER_PORT", "3000"))


def main() -> int:
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
        print(  # noqa: T201 - the dev server talks to the user
            f"Dagster UI on http://127.0.0.1:{UI_PORT}  (sandbox {stack.sandbox_url}, "
            f"e-mails in {stack.mailbox}/). Ctrl-C stops everything.",
            flush=True,
        )
        # Popen (not a backgrounded shell job) so SIGTERM/SIGINT reach dagster dev (stack-measurements §2).
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dagster",
                "dev",
                "-m",
                "linky_pipeline.definitions",
                "-h",
                "127.0.0.1",
                "-p",
                str(UI_PORT),
            ]
        )
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.send_signal(signal.SIGINT)
            return process.wait(timeout=30)
        finally:
            mailbox.stop()


if __name__ == "__main__":
    sys.exit(main())
