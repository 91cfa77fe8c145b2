"""The ranking protocol as a PDF: downloaded by the coordinator from the approved ranking's
page, read back with pypdf: the programme, the settings, every town (Polish letters intact)
with its points per part and outcome, the budget used, the input digest, the approver."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from factories.ranking import build
from pypdf import PdfReader

from workflow.extensions import db
from workflow.models import AuditEvent, RankingSnapshot, User
from workflow.ranking import protocol
from workflow.ranking import runs as ranking_runs
from workflow.ranking.views import ranking as ranking_view

BASE = "/coordinator/ranking/"


@pytest.fixture
def approved(world):
    b = build()
    db.session.commit()
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@example.pl"))
    preview = ranking_runs.run(b.programme, coordinator)
    official = ranking_runs.approve(preview, coordinator)
    return preview, official


def download(browser, url: str):  # noqa: ANN001, ANN201
    with browser.app.app_context():
        return browser.client.get(url)


def text_of(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def test_the_protocol_is_a_pdf_with_the_whole_ranking(approved, login):
    preview, official = approved
    browser = login("coordinator@example.pl")
    page = browser.get(f"{BASE}{official.id}").get_data(as_text=True)
    url = f"{BASE}{official.id}/protocol.pdf"
    assert f'href="{url}"' in page and "Protokół rankingu (PDF)" in page
    response = download(browser, url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="protokol-ranking-RL-RANK-{official.id}.pdf"' in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"%PDF-")
    text, pages = text_of(data)
    assert pages >= 1
    squashed = " ".join(text.replace("\xa0", " ").split())
    for town in ("Ostrzeszów", "Wałcz", "Łobez", "Żnin", "Ćmielów"):
        assert town in text, town
    assert "Protokół rankingu" in text and "RL-RANK" in text
    assert f"#{official.id}" in text
    db.session.expire_all()
    snap = db.session.get(RankingSnapshot, official.id)
    assert snap.inputs_digest and snap.inputs_digest in squashed.replace(" ", "")
    assert "coordinator@example.pl" in text  # the approver
    assert "3 Łobez 20 000 000,00 zł 71 82 153 lista rezerwowa" in squashed  # a whole row
    assert "dofinansowanie" in text and "lista rezerwowa" in text and "niespełnione warunki" in text
    assert "Wykorzystany budżet (suma dofinansowań) 68 000 000,00 zł" in squashed
    assert "PRL" in text and "PRI" in text and "90,5" in text  # points per part, Polish decimal comma
    assert "zatrzymaj przyznawanie" in text  # the budget policy in words
    export = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export")
                               .order_by(AuditEvent.id.desc()).limit(1))
    assert '"format": "pdf"' in export.detail


def test_a_preview_has_no_protocol(approved, login):
    preview, _official = approved
    browser = login("coordinator@example.pl")
    assert download(browser, f"{BASE}{preview.id}/protocol.pdf").status_code == 404
    assert "protocol.pdf" not in browser.get(f"{BASE}{preview.id}").get_data(as_text=True)


def test_the_protocol_in_english(approved, login):
    _preview, official = approved
    browser = login("coordinator@example.pl")
    browser.post("/language", {"lang": "en", "next": "/"})
    text, _pages = text_of(download(browser, f"{BASE}{official.id}/protocol.pdf").get_data())
    assert "Ranking protocol" in text and "Łobez" in text


def test_a_long_list_runs_over_pages_with_the_header_on_each(approved, app):
    """54 towns (the programme's size): every one is in the protocol, the list's header is
    repeated on every page it runs over."""
    _preview, official = approved
    snap = db.session.get(RankingSnapshot, official.id)
    first = snap.result["applications"][0]
    names = [f"Gmina Źródło-Śląskie {n:02d} – Łęczyca Żółć" for n in range(54)]
    many = {**snap.result, "applications": [{**first, "town": name, "rank": n + 1}
                                            for n, name in enumerate(names)]}
    assert snap.programme.code == "RL-RANK"  # loaded before the row leaves the session
    db.session.expunge(snap)
    snap.result = many
    with app.test_request_context():
        labels = ranking_view.protocol_labels(snap, ["Miejsce", "Miasto", "Kwota", "PRL", "PRI", "Razem",
                                                     "Wynik", "Uzasadnienie"])
        data = protocol.render(snap, labels, "Koordynatorka", "Rozwój Lokalny", datetime.now(UTC))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 3
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    assert all(name in text for name in names)
    listed = [p for p in pages if "Gmina" in p]
    assert len(listed) >= 2 and all("Uzasadnienie" in p for p in listed)
