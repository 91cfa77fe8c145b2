"""Issue 4's "done when", on the demo: the coordinator previews, approves and announces
RL-2019; town01 sees its outcome and its score sheets without the evaluators' names; the
public page lists the awarded towns. Also the CLI's answers on the demo."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from support import Browser

from workflow.extensions import db
from workflow.models import Path, Programme, RankingSnapshot, User

pytestmark = pytest.mark.slow  # the demo is seeded in each test (seconds)

TODAY = date(2026, 11, 28)


def rank(app, *args: str) -> dict:
    result = app.test_cli_runner().invoke(args=["rank", "RL-2019", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_rank_cli_on_the_demo(app, demo_db, ctx):
    default = rank(app)
    awarded = [a for a in default["applications"] if a["outcome"] == "awarded"]
    assert 0 < len(awarded) <= 15
    assert sum(Decimal(a["requested"]) for a in awarded) <= Decimal("450000000")
    assert default["settings"]["cap"] == 15 and default["settings"]["budget"] == "450000000.00"

    wide = rank(app, "--cap", "54")
    eligible = [a for a in wide["applications"] if a["outcome"] != "not_eligible"]
    awarded = [a for a in wide["applications"] if a["outcome"] == "awarded"]
    assert all(a["final"]["PRL"] >= 66 and a["final"]["PRI"] >= 72 for a in eligible)  # 60 %
    assert sum(Decimal(a["requested"]) for a in awarded) <= Decimal("450000000")
    assert len(awarded) > 15
    # Under the strict policy the awarded are exactly the top of the eligible order up to
    # the first application that no longer fits.
    spent = Decimal(0)
    for a in eligible:
        if spent + Decimal(a["requested"]) > Decimal("450000000"):
            break
        spent += Decimal(a["requested"])
        assert a["outcome"] == "awarded", a["town"]
    assert db.session.query(RankingSnapshot).count() == 0  # the CLI saved nothing


def test_coordinator_previews_approves_announces_and_the_town_and_public_see_it(app, demo_db, ctx):
    coordinator = Browser(app, "demo")
    assert coordinator.login("coordinator@demo.sciezka.pl").status_code == 302
    page = coordinator.get("/coordinator/ranking/?programme=RL-2019")
    assert page.status_code == 200
    preview = coordinator.post("/coordinator/ranking/run?programme=RL-2019", {
        "cap": "15", "budget": "450000000", "threshold": "60", "policy": "strict"})
    assert preview.status_code == 302, preview.get_data(as_text=True)[:1500]
    preview_url = preview.headers["Location"]
    html = coordinator.get(preview_url).get_data(as_text=True)
    assert "Dąbrowa Tarnowska" in html

    preview_id = int(re.search(r"/coordinator/ranking/(\d+)", preview_url).group(1))
    approved = coordinator.post(f"/coordinator/ranking/{preview_id}/approve")
    assert approved.status_code == 302
    official_id = int(re.search(r"/coordinator/ranking/(\d+)", approved.headers["Location"]).group(1))
    coordinator.get(f"/coordinator/ranking/{official_id}/announce")
    announced = coordinator.post(f"/coordinator/ranking/{official_id}/announce", {"confirm": "y"})
    assert announced.status_code == 302
    again = coordinator.post(f"/coordinator/ranking/{official_id}/announce", {"confirm": "y"})
    assert again.status_code == 409

    programme = db.session.query(Programme).filter_by(code="RL-2019").one()
    db.session.expire_all()
    outcomes = {p.state for p in db.session.query(Path).filter_by(programme_id=programme.id)}
    assert outcomes <= {"awarded", "reserve", "not_awarded", "rejected"} and "awarded" in outcomes

    town = Browser(app, "demo")
    assert town.login("town01@demo.sciezka.pl").status_code == 302
    path = db.session.query(Path).join(User, User.applicant_id == Path.applicant_id).filter(
        User.email == "town01@demo.sciezka.pl", Path.programme_id == programme.id).one()
    page = town.get(f"/town/paths/{path.id}").get_data(as_text=True)
    assert f'href="/town/results/{path.id}"' in page  # the path page leads to the result
    result = town.get(f"/town/results/{path.id}")
    assert result.status_code == 200
    html = result.get_data(as_text=True)
    assert "Oceniający 1" in html and "Oceniający 2" in html
    evaluator_names = [u.name for u in db.session.query(User).filter_by(role="evaluator")]
    evaluator_logins = [u.email for u in db.session.query(User).filter_by(role="evaluator")]
    assert not any(name in html for name in evaluator_names)
    assert not any(login in html for login in evaluator_logins)

    public = Browser(app).get("/public/results/").get_data(as_text=True)
    snapshot = db.session.get(RankingSnapshot, official_id)
    winners = [a["town"] for a in snapshot.result["applications"] if a["outcome"] == "awarded"]
    assert winners and all(name in public for name in winners)
    assert not any(name in public for name in evaluator_names)
