"""`linky-pipeline db create-bi-role`: the read-only login BI tools (Grafana…) use."""

from __future__ import annotations

import os

import click

from linky_pipeline.commands.common import warehouse
from linky_pipeline.lib.store.bi import DEFAULT_ROLE, BiRoleError, create_bi_role

PASSWORD_ENV = "LINKY_BI_PASSWORD"  # noqa: S105 (the variable name, not a password)
ROLE_ENV = "LINKY_BI_USER"


@click.command("create-bi-role")
@click.option(
    "--role-name",
    envvar=ROLE_ENV,
    default=DEFAULT_ROLE,
    show_default=True,
    help=f"Name of the read-only role (env {ROLE_ENV}).",
)
def create_bi_role_command(role_name: str) -> None:
    """Create or reset the read-only role that can read the `bi` views and nothing else.

    The password comes from the environment only (never a flag: it would land in shell history and `ps`).
    """
    password = os.environ.get(PASSWORD_ENV, "")
    if not password:
        raise click.UsageError(
            f"{PASSWORD_ENV} is not set: export the BI role's password (at least 12 characters) and run again"
        )
    try:
        with warehouse() as conn:
            result = create_bi_role(conn, password=password, role_name=role_name)
    except BiRoleError as exc:
        raise click.UsageError(str(exc)) from None
    state = "created" if result.created else "updated (password reset, grants re-applied)"
    click.echo(f"BI role {result.role_name} {state}: it can read schema bi and nothing else")
