"""Helpers the templates use: dates in the programme's time zone, labels, days left."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Flask, g, render_template, request
from markupsafe import Markup

from states.label import Label
from workflow.refusal import Message
from workflow.web import l10n
from workflow.web.helpers import forget_programmes, forget_refusal, shown_refusal
from workflow.web.kept import Kept
from workflow.web.l10n import format_currency, format_date, format_datetime, format_decimal, gettext, ngettext


def label(value: Label | Message | None) -> str:
    """A Polish/English label of states/ in the current language (a message is already in it)."""
    if value is None:
        return ""
    if isinstance(value, Label):
        return value.get(getattr(g, "locale", "pl"))
    return str(value)


def moment(value: datetime | None, fmt: str = "d MMMM y, HH:mm") -> str:
    """A moment shown in the programme's time zone (Babel applies it)."""
    if value is None:
        return ""
    return format_datetime(value, fmt)


def day(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_date(value, "long")


def days_phrase(days: int, overdue: bool = False) -> str:
    """'zostało 5 dni', 'termin upływa dzisiaj', 'termin minął 2 dni temu' (Polish plurals).

    `days` counts calendar days in the programme's zone; `overdue` says whether the
    moment itself has passed, which on the deadline's own day the count cannot tell.
    """
    if overdue:
        if days >= 0:
            return gettext("termin minął dzisiaj")
        return ngettext("termin minął %(num)d dzień temu", "termin minął %(num)d dni temu", -days)
    if days > 0:
        return ngettext("został %(num)d dzień", "zostało %(num)d dni", days)
    return gettext("termin upływa dzisiaj")


def money(value: Decimal | str | int | None) -> str:
    """Złoty in the page's language: '40 000 000,00 zł' in Polish, 'PLN 40,000,000.00' in English."""
    if value is None:
        return ""
    text = format_currency(Decimal(value), "PLN")
    # Babel's English pattern glues the code to the digits ('PLN332,716,000.00').
    if text.startswith("PLN") and text[3:4].isdigit():
        text = "PLN\xa0" + text[3:]
    return text


def number(value: Decimal | float | int | str | None, places: int = 2) -> str:
    """A number in the page's language, at most `places` decimals and no trailing zeros:
    93.5 → '93,5' in Polish and '93.5' in English; 1234 → '1234' / '1,234'; None → '–'."""
    if value is None or value == "":
        return "–"
    if type(value) is not int and type(value) is not Decimal:
        value = Decimal(str(value))
    return format_decimal(value, PATTERNS[places] if places in PATTERNS else _pattern(places))


def _pattern(places: int) -> str:
    return "#,##0" + ("." + "#" * places if places > 0 else "")


PATTERNS = {places: _pattern(places) for places in range(5)}


# The main menu as drawn (templates/_menu.html) per role, language and page: 25 links with their
# labels on every coordinator's page otherwise (decision 0044). Roles × languages × endpoints.
MENUS = Kept(max_weight=4000, max_age=3600.0)


def menu(role: str | None) -> Markup:
    """base.html's main menu for `role` (None: a visitor), the current page marked."""
    key = (request.script_root, getattr(g, "locale", "pl"), role, request.endpoint)
    found = MENUS.peek(key)
    if found is None:
        # A template's own output, escaped by Jinja as it was drawn: already HTML.
        found = Markup(render_template("_menu.html", role=role))  # noqa: S704  # nosec B704
        MENUS.put(key, found)
    return found  # type: ignore[no-any-return]


def register_template_helpers(app: Flask) -> None:
    l10n.install_gettext(app.jinja_env)  # after Flask-Babel's own (create_app inits Babel first)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["number"] = number
    app.jinja_env.globals["number"] = number
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["moment"] = moment
    app.jinja_env.filters["day"] = day
    app.jinja_env.globals["days_phrase"] = days_phrase
    app.jinja_env.globals["shown_refusal"] = shown_refusal
    app.jinja_env.globals["menu"] = menu
    # A page shows only its own request's refusal (`g` outlives a request in a shared app context).
    app.before_request(forget_refusal)
    app.before_request(forget_programmes)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
