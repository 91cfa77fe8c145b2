"""The words that replace a person's name and e-mail address: stable (derived from the row's
id, so the same row always gets the same pseudonym and two rows never share one) and plainly
not a name, so nobody mistakes a pseudonymised row for a real person.

The pseudonyms are stored data, written once, in Polish like the rest of the rows the towns
enter; they carry nothing of the person.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, cast, literal

PARTICIPANT_PREFIX = "Uczestnik #"
ACCOUNT_PREFIX = "Konto usunięte #"
ACCOUNT_EMAIL_DOMAIN = "pseudonim.invalid"  # .invalid: never a deliverable address (RFC 2606)


def participant_name(person_id: int) -> str:
    return f"{PARTICIPANT_PREFIX}{person_id}"


def participant_name_sql(id_column: ColumnElement[int]) -> ColumnElement[str]:
    """participant_name() as SQL, for one UPDATE of many rows."""
    return literal(PARTICIPANT_PREFIX) + cast(id_column, String)


def account_name(user_id: int) -> str:
    return f"{ACCOUNT_PREFIX}{user_id}"


def account_email(user_id: int) -> str:
    return f"usuniete-{user_id}@{ACCOUNT_EMAIL_DOMAIN}"
