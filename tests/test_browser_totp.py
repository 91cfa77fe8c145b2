"""The second factor in a real browser on a 375 px phone: the enrolment page (its QR code and
the secret beside it), the recovery codes, the login's code page and its error, each checked
with axe-core (WCAG 2.1 A and AA) and for horizontal scrolling, in Polish and in English."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pyotp
import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from support.browser import PASSWORD, PHONE, Live, log_in, new_page, no_horizontal_overflow, set_language
from werkzeug.security import generate_password_hash

from workflow.extensions import db

pytest_plugins = ["support.browser_fixtures"]
pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}
AXE = Axe()
EMAIL = "second-factor@demo.sciezka.pl"


@pytest.fixture
def person(live: Live) -> Iterator[str]:
    """An advisor of our own (the demo's people stay as they are for the other modules)."""
    from workflow.models import User

    def add() -> None:
        db.session.add(User(email=EMAIL, name="Druga Weryfikacja", role="advisor",
                            password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")))
        db.session.commit()

    def remove() -> None:
        db.session.execute(sa.delete(User).where(User.email == EMAIL))
        db.session.commit()

    live.query(add)
    yield EMAIL
    live.query(remove)


def problems_on(page, label: str) -> list[str]:  # noqa: ANN001
    found = []
    for v in AXE.run(page, options=WCAG).response["violations"]:
        targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        found.append(f"{label}: {v['id']} ({v['impact']}): {v['help']} – {targets}")
    scroll, width = no_horizontal_overflow(page)
    if scroll > width:
        found.append(f"{label}: {scroll} px wide on a {width} px phone screen")
    return found


@pytest.mark.parametrize("lang", ["pl", "en"])
def test_enrolment_and_code_pages_on_a_phone(chromium, live, person, lang):
    problems: list[str] = []
    page = new_page(chromium, live, viewport=PHONE)
    try:
        log_in(page, person)
        set_language(page, lang)
        page.goto("/account/two-factor")
        problems += problems_on(page, "intro")
        page.locator("form[action$='/two-factor/start'] [type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("svg.qr").is_visible()
        box = page.locator("svg.qr").bounding_box()
        assert box["width"] >= 150 and box["x"] + box["width"] <= PHONE["width"]
        problems += problems_on(page, "enrolment")
        secret = page.locator(".secret code").inner_text().replace(" ", "")
        totp = pyotp.TOTP(secret)

        page.locator("input[name=code]").fill("000000" if totp.now() != "000000" else "111111")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form[action$='/two-factor/confirm'] [type=submit]").click()
        page.wait_for_load_state()
        assert page.locator(".error-summary").is_visible()
        problems += problems_on(page, "enrolment, wrong code")

        page.locator("input[name=code]").fill(totp.now())
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form[action$='/two-factor/confirm'] [type=submit]").click()
        page.wait_for_load_state()
        assert page.locator(".recovery-codes li").count() == 10
        problems += problems_on(page, "recovery codes")

        page.locator("form[action$='/logout'] button").click()
        page.wait_for_load_state()
        page.goto("/login")
        page.locator("input[name=email]").fill(person)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form [type=submit]").click()
        page.wait_for_load_state()
        assert page.url.endswith("/login/code")
        assert page.locator("html").get_attribute("lang") == lang
        problems += problems_on(page, "code page")
        page.locator("input[name=code]").fill("123")
        page.locator("main form [type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("#code-error").is_visible()
        problems += problems_on(page, "code page, wrong code")
        page.locator("input[name=code]").fill(totp.at(time.time() + 30))
        page.locator("main form [type=submit]").click()
        page.wait_for_load_state()
        assert "/login" not in page.url
        page.goto("/account/two-factor")
        problems += problems_on(page, "settings, enrolled")
        assert not page.server_errors
        assert not problems, "\n" + "\n".join(problems)
    finally:
        page.context.close()
