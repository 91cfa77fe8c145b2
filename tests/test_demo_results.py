"""Issue 16's "an awarded project's result indicator is shown on track or behind from the
values", end to end on the demo (docs/decisions/0040): RL-2019's applications name a project
with result indicators of the base; the coordinator announces RL-2019's ranking through the
pages; the awarded projects appear on /coordinator/monitoring/projects with no new data while
the base holds values up to the baseline year only; the BDL extract's later years are imported
(the same importer as `flask indicators import`) and the page judges them, some on track, some
behind. The demo's baselines are the base's own 2016 values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from support import Browser

import states
from workflow.demo import results as demo_results
from workflow.diagnosis import progress
from workflow.extensions import db
from workflow.models import Path as PathRow
from workflow.models import Programme, Project, ProjectResultIndicator
from workflow.monitoring import importer, units

pytestmark = pytest.mark.slow  # the demo, a ranking and part of the BDL extract

LONG = Path(__file__).resolve().parent.parent / "data" / "bdl" / "bdl_gminy_2010-2019_long_compact.csv"
URL = "/coordinator/monitoring/projects"
AWARDED = states.get_definition("rozwoj-lokalny").awarded_state


def page_text(browser: Browser) -> str:
    response = browser.get(URL)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.get_data(as_text=True).replace("\xa0", " "))


def extract(codes: set[str], years: range) -> bytes:
    """The rows of the BDL extract for these gminas and years (its own header)."""
    with LONG.open(encoding="utf-8") as fh:
        lines = [next(fh)]
        lines += [line for line in fh if line[:7] in codes and int(line[8:12]) in years]
    return "".join(lines).encode()


def announce(coordinator: Browser) -> None:
    preview = coordinator.post("/coordinator/ranking/run?programme=RL-2019", {
        "cap": "15", "budget": "450000000", "threshold": "60", "policy": "strict"})
    assert preview.status_code == 302, preview.get_data(as_text=True)[:800]
    preview_id = int(re.search(r"/coordinator/ranking/(\d+)", preview.headers["Location"]).group(1))
    approved = coordinator.post(f"/coordinator/ranking/{preview_id}/approve")
    official_id = int(re.search(r"/coordinator/ranking/(\d+)", approved.headers["Location"]).group(1))
    coordinator.get(f"/coordinator/ranking/{official_id}/announce")
    announced = coordinator.post(f"/coordinator/ranking/{official_id}/announce", {"confirm": "y"})
    assert announced.status_code == 302


def test_the_awarded_projects_indicators_are_judged_as_the_values_arrive(app, demo_db, ctx):
    programme = db.session.scalar(sa.select(Programme).where(Programme.code == "RL-2019"))
    projects = list(db.session.scalars(sa.select(Project).join(PathRow, PathRow.id == Project.path_id)
                                       .where(PathRow.programme_id == programme.id)))
    assert len(projects) == 54
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProjectResultIndicator)) == 2 * 54

    coordinator = Browser(app, "demo")
    assert coordinator.login("coordinator@demo.sciezka.pl").status_code == 302
    assert "Żaden projekt wniosku z dofinansowaniem" in page_text(coordinator)  # nothing awarded yet
    announce(coordinator)
    awarded = db.session.scalars(sa.select(PathRow.id).where(PathRow.programme_id == programme.id,
                                                            PathRow.state == AWARDED)).all()
    assert 0 < len(awarded) <= 15

    # The base up to the baseline year: the projects are followed, with nothing to judge yet.
    codes = set(demo_results.BASELINES)
    units.ensure(codes)
    db.session.commit()
    importer.import_bytes(extract(codes, range(2010, 2017)), "bdl-do-2016.csv")
    db.session.commit()
    page = page_text(coordinator)
    assert demo_results.TITLE in page and "brak nowych danych" in page
    assert "zgodnie z planem" not in page and "opóźniony" not in page
    followed = progress.followed()
    assert {f.project.path_id for f in followed} == set(awarded) and len(followed) == 2 * len(awarded)
    # The demo's baselines are the base's 2016 values, as the page's reading computes them.
    for f in followed:
        year, value = progress.area_latest(f.project.path.applicant_id, [f.version])[f.version.indicator_id]
        assert year == 2016 and f.result.baseline_value == round(value, f.version.decimals)

    # 2017-2019 arrive: each indicator judged from its latest value (2019), some of each.
    importer.import_bytes(extract(codes, range(2017, 2020)), "bdl-2017-2019.csv")
    db.session.commit()
    page = page_text(coordinator)
    assert "zgodnie z planem" in page and "opóźniony" in page and "(2019)" in page
    judged = [f.progress.judgement for f in progress.followed()]
    assert judged.count("on_track") >= 3 and judged.count("behind") >= 3, judged
    assert "no_value" not in judged
