"""The demo's public-services monitoring (issue 16 item 7, issue 15 item 8): the source's 32 cities
in the source's order with their logins, in exchange groups of 5-12 for three areas; two years of
questionnaire values marked as demo data; 2018 published, 2019 in review with warnings and a
returned value; a meeting with minutes. Read from the run's one demo seed (demo_db)."""

from __future__ import annotations

import re
from collections import Counter

import sqlalchemy as sa
from support import Browser

from workflow.demo import monitoring as demo
from workflow.extensions import db
from workflow.models import (
    AnswerReview,
    ExchangeGroup,
    ExchangeGroupCity,
    ExchangeMeeting,
    ImprovementPlan,
    PlanAction,
    PlanTarget,
    Questionnaire,
    QuestionnaireAnswer,
    QuestionnairePublication,
    TerritorialUnit,
    User,
    ValueSource,
    VariableValue,
)
from workflow.monitoring import questionnaire as qn


def test_the_cities_logins_and_groups(app, demo_db, ctx):
    cities = demo.cities()
    assert [c.name for c in cities][:3] == ["Będzin", "Bielsko-Biała", "Bydgoszcz"]
    assert cities[18].name == "Kutno" and cities[-1].name == "Żory" and len(cities) == 32
    for c in (cities[0], cities[18], cities[-1]):
        user = db.session.scalar(sa.select(User).where(User.email == demo.email("city", c.number)))
        unit = db.session.get(TerritorialUnit, qn.city_unit_id(user))
        assert unit.code == c.code
    moderators = db.session.scalars(sa.select(User.email).where(User.role == "moderator")).all()
    assert sorted(moderators) == [f"moderator{n:02d}@demo.sciezka.pl" for n in range(1, 10)]
    sizes = Counter(db.session.scalars(sa.select(ExchangeGroupCity.group_id)))
    assert len(sizes) == 9 and all(5 <= n <= 12 for n in sizes.values())
    areas = Counter(db.session.scalars(sa.select(ExchangeGroup.area)))
    assert set(areas.values()) == {3} and len(areas) == 3


def test_two_years_of_demo_values_one_published_one_in_review(app, demo_db, ctx):
    published = db.session.scalars(sa.select(QuestionnairePublication.year)).all()
    assert set(published) == {demo.PUBLISHED}
    status = Counter(db.session.execute(sa.select(Questionnaire.year, Questionnaire.status)).all())
    assert status[(demo.PUBLISHED, "accepted")] == 96
    assert status[(demo.IN_REVIEW, "returned")] == 1 and status[(demo.IN_REVIEW, "submitted")] > 50
    answers = db.session.execute(sa.select(QuestionnaireAnswer.warnings, QuestionnaireAnswer.comment,
                                           QuestionnaireAnswer.review)).all()
    warned = [a for a in answers if a.warnings]
    assert warned and all(a.comment for a in warned)
    assert sum(1 for a in answers if a.review == AnswerReview.RETURNED) == 1
    # Every value the demo entered says so in its source, and none comes from public statistics.
    sources = db.session.execute(sa.select(ValueSource.name, ValueSource.summary).where(
        ValueSource.id.in_(sa.select(VariableValue.source_id)))).all()
    assert sources and all(name.startswith("Dane demonstracyjne") and summary["demo"]
                           for name, summary in sources)


def test_moderator01_s_meeting_and_city01_s_group(app, demo_db, ctx):
    meeting = db.session.scalar(sa.select(ExchangeMeeting).where(ExchangeMeeting.minutes_hash.is_not(None)))
    assert meeting is not None
    moderator = Browser(app, "demo")
    assert moderator.login("moderator01@demo.sciezka.pl").status_code == 302
    page = moderator.get(f"/exchange/meetings/{meeting.id}").get_data(as_text=True)
    assert "protokol-spotkania-1.pdf" in page
    present = re.findall(r'<input\b(?=[^>]*\bchecked\b)(?=[^>]*name="present")[^>]*>', page)
    assert present  # the attendance recorded: its delegates present checked
    city = Browser(app, "demo")
    assert city.login("city01@demo.sciezka.pl").status_code == 302
    groups = city.get("/exchange/groups").get_data(as_text=True)
    assert groups.count("/exchange/groups/") == 3  # one group per area
    analysis = city.get(f"/exchange/groups/{meeting.group_id}/analysis?year=2018").get_data(as_text=True)
    assert "Będzin" in analysis and "Mediana grupy" in analysis
    other = db.session.scalar(sa.select(ExchangeGroup.id).where(ExchangeGroup.code == "kultura-2020-2"))
    assert city.get(f"/exchange/groups/{other}").status_code == 404


def test_an_improvement_plan_per_city_of_one_group(app, demo_db, ctx):
    """Decision 0042: the first culture group's cities each have a plan (goals, two actions, a
    target on the libraries' loans); no other group has plans."""
    first = db.session.scalar(sa.select(ExchangeGroup).where(ExchangeGroup.code == "kultura-2020-1"))
    cities = db.session.scalar(sa.select(sa.func.count()).select_from(ExchangeGroupCity)
                               .where(ExchangeGroupCity.group_id == first.id))
    plans = db.session.execute(sa.select(ImprovementPlan.group_id, sa.func.count())
                               .group_by(ImprovementPlan.group_id)).all()
    assert plans == [(first.id, cities)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanAction)) == 2 * cities
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanTarget)) == cities
    moderator = Browser(app, "demo")
    assert moderator.login("moderator01@demo.sciezka.pl").status_code == 302
    page = moderator.get(f"/exchange/groups/{first.id}/plans").get_data(as_text=True)
    assert "Będzin" in page and "Wydłużenie godzin otwarcia bibliotek" in page
    assert "brak nowych danych" in page  # judged once the base is loaded and 2019 published
