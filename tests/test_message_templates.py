"""A coordinator rewords a programme's messages, per kind and language, with a preview;
a text with a placeholder the kind does not offer is refused with the text kept."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from workflow.extensions import db
from workflow.messaging import notifications
from workflow.messaging.texts import SAMPLE_CONTEXT, TEXTS, Kind
from workflow.models import Notification, NotificationTemplate
from workflow.refusal import in_language

KIND = Kind.ADVISOR_ASSIGNED


def url(world, kind: Kind = KIND) -> str:  # noqa: ANN001
    return f"/coordinator/messages/{world.programme.code}/{kind}"


def texts(**changes: str) -> dict[str, str]:
    (subject_pl, body_pl), (subject_en, body_en) = (
        [in_language(text, locale) for text in TEXTS[KIND]] for locale in ("pl", "en"))
    data = {"subject_pl": subject_pl, "body_pl": body_pl,
            "subject_en": subject_en, "body_en": body_en}
    data.update(changes)
    return data


def templates() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(NotificationTemplate))


@pytest.fixture
def coordinator(world, login):  # noqa: ANN001, ANN201
    browser = login("coordinator@example.pl")
    browser.get(url(world))
    return browser


def test_the_list_shows_every_kind_as_default_then_changed(world, coordinator):
    page = coordinator.get(f"/coordinator/messages/?programme={world.programme.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Przydzielenie do miasta jako doradca" in html and "Ogłoszenie wyników naboru" in html
    assert "zmieniona" not in html and html.count("domyślna") >= len(Kind) - 1
    coordinator.get(url(world))
    saved = coordinator.post(url(world), texts(subject_pl="Nowe miasto: {town}", save="Zapisz"))
    assert saved.status_code == 302
    html = coordinator.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Zapisano treść komunikatu" in html
    table = html.split("<tbody>", 1)[1]
    row = table.split("Przydzielenie do miasta jako doradca", 1)[1].split("</tr>", 1)[0]
    assert "zmieniona" in row


def test_a_saved_text_is_what_the_next_message_says(world, coordinator):
    coordinator.post(url(world), texts(subject_pl="Witamy w {town}!",
                                       body_pl="Program {programme}: {town}, rola {role}.",
                                       save="Zapisz"))
    row = notifications.queue(world.users["advisor_a"], KIND, programme=world.programme,
                              town="Ostrzeszów", role="doradca prowadzący")
    db.session.commit()
    assert row.subject == "Witamy w Ostrzeszów!"
    assert row.body == "Program Rozwój Lokalny test: Ostrzeszów, rola doradca prowadzący."
    # Only the Polish text was changed: an English reader still gets the default.
    assert templates() == 1


def test_an_unknown_placeholder_is_refused_and_the_typed_text_kept(world, coordinator):
    response = coordinator.post(url(world), texts(body_pl="Dzień dobry {imie}, miasto {town}.",
                                                  subject_en="Hi {town", save="Zapisz"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nieznane pole: {imie}" in html and "{role}" in html
    assert "Dzień dobry {imie}, miasto {town}.</textarea>" in html
    assert 'value="Hi {town"' in html and "ma swój" in html
    assert templates() == 0


def test_a_format_trick_is_refused(world, coordinator):
    response = coordinator.post(url(world), texts(body_pl="{town.__class__} {town:>99999999}",
                                                  save="Zapisz"))
    assert response.status_code == 400
    assert templates() == 0


def test_an_empty_or_multiline_subject_is_refused(world, coordinator):
    response = coordinator.post(url(world), texts(subject_en="  ", save="Zapisz"))
    assert response.status_code == 400
    assert "Podaj temat wiadomości." in response.get_data(as_text=True)
    response = coordinator.post(url(world), texts(subject_pl="{town}\r\nBcc: x@example.com",
                                                  save="Zapisz"))
    assert response.status_code == 400
    assert "Temat musi mieścić się w jednym wierszu." in response.get_data(as_text=True)
    assert templates() == 0


def test_the_preview_shows_the_rendered_text_and_saves_nothing(world, coordinator):
    response = coordinator.post(url(world), texts(subject_pl="Nowe miasto: {town}",
                                                  body_pl="{programme} – {town} ({role})",
                                                  preview="Podgląd"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    preview = html.split('id="preview-h"', 1)[1]
    sample = SAMPLE_CONTEXT[KIND]
    assert f"Nowe miasto: {sample['town']}" in preview
    assert f"Rozwój Lokalny test – {sample['town']} ({sample['role']})" in preview
    assert f"You have been assigned a town: {sample['town']}" in preview
    assert "Nowe miasto: {town}" in html.split('id="preview-h"', 1)[0]  # the form keeps it
    assert templates() == 0


def test_a_preview_of_a_bad_text_shows_the_error_not_a_preview(world, coordinator):
    response = coordinator.post(url(world), texts(subject_pl="{kto}", preview="Podgląd"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nieznane pole: {kto}" in html and 'id="preview-h"' not in html


def test_reset_brings_back_the_default(world, coordinator):
    coordinator.post(url(world), texts(subject_en="Town: {town}", save="Zapisz"))
    assert templates() == 1
    page = coordinator.get(url(world)).get_data(as_text=True)
    assert 'value="Town: {town}"' in page and "Przywróć treść domyślną" in page
    done = coordinator.post(url(world) + "/reset")
    assert done.status_code == 302 and templates() == 0
    page = coordinator.get(url(world)).get_data(as_text=True)
    assert in_language(TEXTS[KIND][0], "en").replace("{town}", "") in page
    assert "Obowiązuje treść domyślna." in page


def test_saving_the_default_text_stores_nothing(world, coordinator):
    assert coordinator.post(url(world), texts(save="Zapisz")).status_code == 302
    assert templates() == 0


def test_unknown_programme_or_kind_is_not_found(world, coordinator):
    assert coordinator.get(f"/coordinator/messages/NOPE/{KIND}").status_code == 404
    assert coordinator.get(f"/coordinator/messages/{world.programme.code}/nope").status_code == 404
    assert coordinator.get(url(world, Kind.PASSWORD_RESET)).status_code == 404


def test_other_roles_are_refused(world, login):
    for email in ("advisor-a@example.pl", "town-a@example.pl", "evaluator@example.pl"):
        person = login(email)
        assert person.get("/coordinator/messages/").status_code == 403
        assert person.get(url(world)).status_code == 403
        person.get("/inbox/")
        assert person.post(url(world), texts(subject_pl="X {town}", save="Zapisz")).status_code == 403
        assert person.post(url(world) + "/reset").status_code == 403
    assert templates() == 0


def test_saving_needs_the_csrf_token(world, app, coordinator):
    with app.app_context():
        refused = coordinator.client.post(url(world), data=texts(subject_pl="X {town}", save="Zapisz"))
    assert refused.status_code == 400
    assert templates() == 0


def test_the_coordinator_menu_links_to_messages(world, coordinator):
    html = coordinator.get("/coordinator/").get_data(as_text=True)
    assert 'href="/coordinator/messages/"' in html
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_the_editor_opens_with_a_preview_of_the_text_in_force(world, coordinator):
    """No button needed to see what people get: the page opens with the preview of the
    current text, sample values filled in, ending with the link to the page it is about."""
    page = coordinator.get(url(world, Kind.DEADLINE_CHANGED))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    preview = html.split('id="preview-h"', 1)[1]
    assert "Podgląd (z przykładowymi danymi, niezapisany)" in html
    assert "Zmiana terminu: Diagnoza (Ostrzeszów)" in preview
    assert "Powódź w urzędzie miasta utrudniła pracę zespołu." in preview
    assert "https://sciezka.example/…" in preview  # every message ends with its link
    assert templates() == 0
