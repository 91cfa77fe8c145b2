"""Advisors and experts with their profiles, expertise fields, and consultation log entries:
as the operations take them (`entry`) or as the advisor's pages post them (`form_data`,
`open_new`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from factories.accounts import make_user
from workflow.advice.consultation_terms import ServiceInput
from workflow.extensions import db
from workflow.models import AdvisorProfile, ExpertiseField, User

# 16 June 2020, 00:30 in Warsaw (CEST): still the 15th in UTC.
NOW = datetime(2020, 6, 15, 22, 30, tzinfo=UTC)
TODAY = datetime.now(ZoneInfo("Europe/Warsaw")).date()
DAY = (TODAY - timedelta(days=3)).isoformat()
TOKEN_RE = re.compile(r'name="client_token" type="hidden" value="([^"]+)"')


def make_advisor(email: str, region: str | None = "mazowieckie", capacity: int = 3,
                 fields: list[ExpertiseField] = (), available: bool = True) -> User:
    user = make_user(email, "advisor")
    db.session.flush()
    db.session.add(AdvisorProfile(user_id=user.id, region=region, capacity=capacity,
                                  available=available, fields=list(fields)))
    db.session.flush()
    return user


def make_expert(email: str, name: str, fields: list[ExpertiseField], capacity: int = 3,
                region: str | None = "mazowieckie") -> User:
    """An advisor with a name and a profile, committed."""
    user = make_advisor(email, region, capacity, fields)
    user.name = name
    db.session.commit()
    return user


def add_fields() -> dict[str, int]:
    """Public finance, and a withdrawn field; their ids by code. Commits."""
    finance = ExpertiseField(code="finance", name_pl="Finanse publiczne", name_en="Public finance")
    old = ExpertiseField(code="old", name_pl="Dawna dziedzina", name_en="Former field", active=False)
    db.session.add_all([finance, old])
    db.session.commit()
    return {"finance": finance.id, "old": old.id}


# --- a service for the log ------------------------------------------------------------------------

def entry(fields, **changes) -> ServiceInput:
    values = dict(kind="workshop", held_on="2020-06-10", duration="90", field_id=fields["finance"],
                  topic="Budżet obywatelski", format="on_site",
                  new_people="Anna Nowak; Urząd Miasta; a.nowak@um.pl")
    values.update(changes)
    return ServiceInput(**values)


def form_data(fields, **changes) -> dict:
    data = {"kind": "consultation", "held_on": DAY, "duration": "90", "field_id": str(fields["finance"]),
            "topic": "Budżet obywatelski", "format": "on_site",
            "new_people": "Anna Nowak; Urząd Miasta; a.nowak@um.pl", "studies": "",
            "log": "Zapisz w dzienniku"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def open_new(browser, path_id: int) -> str:
    page = browser.get(f"/advisor/consultations/new?path={path_id}")
    assert page.status_code == 200, page.status_code
    return TOKEN_RE.search(page.get_data(as_text=True)).group(1)
