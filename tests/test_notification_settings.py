"""Each person chooses which kinds of message come by e-mail and which to the inbox; the
mandatory ones cannot be switched off, not even by a forged form."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from workflow.extensions import db
from workflow.messaging import notifications
from workflow.messaging import settings as notification_settings
from workflow.messaging.texts import MANDATORY, Kind
from workflow.models import NotificationPreference

OPTIONAL = Kind.STAGE_RETURNED  # optional, and it can reach a town
MUST = Kind.RESULTS_ANNOUNCED


def stored(user_id: int) -> dict[str, tuple[bool, bool]]:
    db.session.expire_all()
    return {row.kind: (row.email, row.inbox) for row in db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id))}


def all_on_except(*off: str) -> dict[str, str]:
    """The form as a browser posts it: every enabled checkbox ticked but `off`."""
    data = {}
    for kind in Kind:
        if kind in MANDATORY:
            continue  # disabled checkboxes are not posted
        for channel in ("email", "inbox"):
            name = f"{channel}-{kind}"
            if name not in off:
                data[name] = "1"
    return data


def test_the_settings_page_lists_every_kind_with_mandatory_ones_disabled(world, login):
    html = login("town-a@example.pl").get("/inbox/settings").get_data(as_text=True)
    # A town's list holds only what can reach a town: no advisor's or evaluator's kinds.
    assert "Etap zwrócony do poprawy" in html and "Ogłoszenie wyników naboru" in html
    assert "Przydzielenie do miasta jako doradca" not in html and "Potrzebna trzecia ocena" not in html
    assert html.count('type="checkbox"') == 2 * len(notification_settings.KINDS_BY_ROLE["town"])
    must = html.split(f'id="email-{MUST}"', 1)[1].split(">", 1)[0]
    assert "checked" in must and "disabled" in must
    optional = html.split(f'id="email-{OPTIONAL}"', 1)[1].split(">", 1)[0]
    assert "checked" in optional and "disabled" not in optional
    assert "przychodzą zawsze" in html and "(obowiązkowe)" in html


def test_preferences_are_saved_and_shown_again(world, login):
    town = login("town-a@example.pl")
    town.get("/inbox/settings")
    saved = town.post("/inbox/settings",
                      all_on_except(f"email-{OPTIONAL}", f"inbox-{Kind.STAGE_ACCEPTED}"))
    assert saved.status_code == 302
    user = world.users["town_a"]
    assert stored(user.id) == {OPTIONAL.value: (False, True),
                               Kind.STAGE_ACCEPTED.value: (True, False)}
    page = town.get("/inbox/settings").get_data(as_text=True)
    assert "Zapisano ustawienia powiadomień." in page
    assert "checked" not in page.split(f'id="email-{OPTIONAL}"', 1)[1].split(">", 1)[0]
    assert "checked" in page.split(f'id="inbox-{OPTIONAL}"', 1)[1].split(">", 1)[0]
    assert notifications.preference(user.id, OPTIONAL) == (False, True)
    # Ticking everything again removes the rows: a missing row means "on".
    town.post("/inbox/settings", all_on_except())
    assert stored(user.id) == {}


def test_a_forged_post_cannot_switch_a_mandatory_kind_off(world, login):
    town = login("town-a@example.pl")
    town.get("/inbox/settings")
    forged = all_on_except(f"email-{OPTIONAL}")  # nothing posted for MUST: "off" both
    assert town.post("/inbox/settings", forged).status_code == 302
    user = world.users["town_a"]
    assert MUST.value not in stored(user.id)
    assert notifications.preference(user.id, MUST) == (True, True)
    # Even a direct call to the service keeps it on.
    notification_settings.save_preferences(
        user, {MUST.value: notification_settings.Choice(False, False)})
    assert MUST.value not in stored(user.id)


def test_switching_both_channels_off_sends_nothing(world, login):
    advisor = login("advisor-a@example.pl")
    advisor.get("/inbox/settings")
    assigned = Kind.ADVISOR_ASSIGNED
    advisor.post("/inbox/settings",
                 all_on_except(f"email-{assigned}", f"inbox-{assigned}"))
    row = notifications.queue(world.users["advisor_a"], assigned, programme=world.programme,
                              town="Ostrzeszów", role="doradca")
    assert row is None


def test_the_settings_form_needs_the_csrf_token(world, app, login):
    town = login("town-a@example.pl")
    with app.app_context():
        refused = town.client.post("/inbox/settings", data={})
    assert refused.status_code == 400
    assert stored(world.users["town_a"].id) == {}


def test_unknown_kinds_in_the_form_are_ignored(world, login):
    town = login("town-a@example.pl")
    town.get("/inbox/settings")
    data = all_on_except()
    data["email-no_such_kind"] = "1"
    assert town.post("/inbox/settings", data).status_code == 302
    assert stored(world.users["town_a"].id) == {}


def test_a_double_submit_ends_in_one_row_with_the_last_choice(world):
    """Another request inserts the same (person, kind) row between our read and our write
    (a real second connection, committed): ours is applied over it, not a 500."""
    user = world.users["town_a"]
    raced = []

    def the_other_request_wins(session, _context, _instances) -> None:  # noqa: ANN001
        raced.append(True)
        with db.engine.begin() as other:
            other.execute(NotificationPreference.__table__.insert().values(
                user_id=user.id, kind=OPTIONAL.value, email=True, inbox=False))

    event.listen(Session, "before_flush", the_other_request_wins, once=True)
    try:
        notification_settings.save_preferences(
            user, {OPTIONAL.value: notification_settings.Choice(email=False, inbox=True)})
    finally:
        if event.contains(Session, "before_flush", the_other_request_wins):
            event.remove(Session, "before_flush", the_other_request_wins)
    assert raced and stored(user.id) == {OPTIONAL.value: (False, True)}
