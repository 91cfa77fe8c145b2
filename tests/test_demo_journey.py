"""The issue's "done when", on the demo programme: town01 uploads and submits its
diagnosis and sees it in the timeline, advisor01 signs it off, the coordinator sees the
town move in the overview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from factories.path import PDF
from support import Browser, version_on

from workflow.extensions import db
from workflow.models import StageDeadline

pytestmark = pytest.mark.slow  # the demo is seeded (seconds)


def stage_count(html: str, stage_label: str) -> int:
    row = html.split(stage_label, 1)[1]
    return int(row.split('class="num">', 1)[1].split("<", 1)[0])


def test_town01_diagnosis_from_upload_to_sign_off(app, demo_db, ctx):
    # The demo is seeded as of 2026-11-28 (its diagnosis deadline is 14 days later); the
    # journey runs on whatever day the suite runs, so the deadline is moved past today, as
    # the coordinator would extend it.
    later = datetime.now(UTC) + timedelta(days=14)
    for deadline in db.session.scalars(sa.select(StageDeadline)):
        deadline.due_at = max(deadline.due_at.astimezone(UTC), later)
    db.session.commit()

    coordinator = Browser(app)
    assert coordinator.login("coordinator@demo.sciezka.pl", "demo").status_code == 302
    overview = coordinator.get("/coordinator/").get_data(as_text=True)
    diagnosis_before = stage_count(overview, ">Diagnoza</a>")
    prl_before = stage_count(overview, ">Plan Rozwoju Lokalnego</a>")

    town = Browser(app)
    assert town.login("town01@demo.sciezka.pl", "demo").status_code == 302
    chooser = town.get("/town/").get_data(as_text=True)  # RL-2020 and the demo's RL-2019
    assert "Rozwój Lokalny 2020" in chooser and "Rozwój Lokalny 2019" in chooser
    path_id = int(chooser.split('/town/paths/', 1)[1].split('"', 1)[0])
    assert "Rozwój Lokalny 2020" in chooser.split(f"/town/paths/{path_id}", 1)[1].split("</a>", 1)[0]
    html = town.get(f"/town/paths/{path_id}").get_data(as_text=True)
    assert "Dąbrowa Tarnowska" in html
    assert "Przygotuj i złóż diagnozę" in html
    assert town.upload(path_id, "diagnoza-dabrowa.pdf", PDF).status_code == 302
    version = version_on(town.get(f"/town/paths/{path_id}"))
    assert town.fire(path_id, "submit_diagnosis", version).status_code == 302
    html = town.get(f"/town/paths/{path_id}").get_data(as_text=True)
    timeline = html.split('id="timeline-h"', 1)[1]
    assert "Miasto złożyło diagnozę" in timeline
    assert "Złożono diagnozę – czeka na doradcę" in timeline
    assert "Zespół Miejski Dąbrowa Tarnowska" in timeline

    advisor = Browser(app)
    assert advisor.login("advisor01@demo.sciezka.pl", "demo").status_code == 302
    assert "Dąbrowa Tarnowska" in advisor.get("/advisor/").get_data(as_text=True)
    page = advisor.get(f"/advisor/paths/{path_id}")
    assert advisor.fire(path_id, "accept_diagnosis", version_on(page)).status_code == 302

    overview = coordinator.get("/coordinator/?q=" + quote("dąbrowa")).get_data(as_text=True)
    assert stage_count(overview, ">Diagnoza</a>") == diagnosis_before - 1
    assert stage_count(overview, ">Plan Rozwoju Lokalnego</a>") == prl_before + 1
    row = overview.split("Dąbrowa Tarnowska", 1)[1].split("</tr>", 1)[0]
    assert "Przygotowanie PRL" in row

    html = town.get(f"/town/paths/{path_id}").get_data(as_text=True)
    assert "Przygotuj i złóż PRL" in html
    assert "Zatwierdzono diagnozę" in html.split('id="timeline-h"', 1)[1]
