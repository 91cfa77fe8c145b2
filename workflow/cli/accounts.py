"""`flask accounts reset-two-factor EMAIL`: switch a person's second factor off for them,
when both the phone and the recovery codes are lost (docs/operations.md says how to make
sure it is really them first).

    flask --app wsgi accounts reset-two-factor koordynator@example.pl

The audit log records it (totp_disabled, by "command line"). If the person's role must use
the factor, their next login takes them straight to enrolment.
"""

from __future__ import annotations

import click

from workflow.accounts import operations as accounts
from workflow.accounts import two_factor


@click.group("accounts", help="Accounts: the second factor.")
def accounts_cli() -> None:
    pass


@accounts_cli.command("reset-two-factor")
@click.argument("email")
def reset_two_factor(email: str) -> None:
    """Switch off EMAIL's second factor and spend its recovery codes."""
    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException(f"No account with the e-mail {email!r}.")
    if not user.totp_seed:
        click.echo(f"{user.email}: no second factor to reset.")
        return
    two_factor.reset(user, by="command line")
    click.echo(f"{user.email}: second factor switched off; recovery codes deleted.")
