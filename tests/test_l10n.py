"""workflow/web/l10n.py writes numbers, money, dates and translations exactly as Flask-Babel
and Babel do, character for character, in Polish and English: many values through the old
functions and the new ones (the templates' filters included), and the request's language
followed through force_locale() and refresh()."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import flask_babel
import pytest
from babel.support import Translations
from flask import Flask
from jinja2 import Environment
from markupsafe import Markup

from workflow.app import ROOT
from workflow.web import l10n, templating

LOCALES = ("pl", "en")
NUMBER_PATTERNS = ("#,##0", "#,##0.#", "#,##0.##", "#,##0.###", "#,##0.0", "#,##0.00", "#,##0.0000",
                   "0.00", "#,##0.#%", "#,##0%", "00000", "#,##,##0.##", "#,##0.## pkt", None)
DATE_PATTERNS = ("d MMMM y, HH:mm", "d.MM.y", "d MMM y, HH:mm:ss", "LLLL y", "MMMM y", "LLL y", "long",
                 "medium", "short", "full", "EEEE, d MMMM y", "EEE d.M.yy", "H:m:s", "y-MM-dd'T'HH:mm",
                 "d 'dnia' MMMM", "h:mm a", "QQQ y", "w", "G y", "zzzz", "D")


def numbers(seed: int, n: int) -> list[object]:
    """Ints, Decimals of every shape and size, floats and strings, with the awkward ones."""
    rng = random.Random(seed)  # noqa: S311  (test data)
    values: list[object] = [
        0, -0, 1, -1, 5, 999, 1000, 1234, 12345, 999999, 10**7, -10**9, 10**17, 10**19,
        *(Decimal(text) for text in (
            "0", "-0", "0.00", "-0.004", "0.005", "0.015", "0.025", "2.5", "3.5", "-2.5", "93.5", "93.50",
            "1E+3", "1.2E+7", "123456789.987654321", "0.1234567", "-1234.5", "332716000", "40000000.00",
            "99.995", "99.994", "Infinity", "-Infinity")),
        0.1, 2.675, -1e-7, 1e21, 1234.5678, "93.5", "-0.5", "1234567.891"]
    for _ in range(n):
        kind = rng.randrange(4)
        if kind == 0:
            values.append(rng.randrange(-10**12, 10**12) // 10 ** rng.randrange(12))
        elif kind == 1:
            values.append(Decimal(rng.randrange(-10**10, 10**10)).scaleb(-rng.randrange(0, 8)))
        elif kind == 2:
            values.append(rng.uniform(-1e6, 1e6))
        else:
            values.append(Decimal(rng.randrange(0, 10**6)) / Decimal(rng.choice((3, 7, 8, 100, 1000))))
    return values


def moments(seed: int, n: int) -> list[datetime]:
    """Moments over several years (both sides of every DST change), aware and naive."""
    rng = random.Random(seed)  # noqa: S311
    start = datetime(2019, 1, 1, tzinfo=UTC)
    values = [datetime(2024, 3, 31, 0, 59, tzinfo=UTC), datetime(2024, 3, 31, 1, 0, tzinfo=UTC),
              datetime(2024, 10, 27, 0, 59, tzinfo=UTC), datetime(2024, 10, 27, 1, 0, tzinfo=UTC),
              datetime(2024, 12, 31, 23, 30, tzinfo=UTC), datetime(2025, 1, 1, 0, 0),
              datetime(2020, 2, 29, 22, 15, 7, tzinfo=UTC)]
    for i in range(n):
        moment = start + timedelta(seconds=rng.randrange(8 * 365 * 24 * 3600))
        values.append(moment if i % 5 else moment.replace(tzinfo=None))
    return values


def same(ours, theirs, *args: object) -> None:  # noqa: ANN001
    """Both write the same text, or both refuse the value with the same exception."""
    try:
        expected = theirs(*args)
    except Exception as error:  # noqa: BLE001
        with pytest.raises(type(error)):
            ours(*args)
        return
    assert ours(*args) == expected, args


@pytest.fixture
def request_in(app: Flask):  # noqa: ANN201
    """A request whose page is in the given language (the app's own locale selector)."""
    def enter(locale: str):  # noqa: ANN202
        context = app.test_request_context("/", headers={"Accept-Language": locale})
        context.push()
        app.preprocess_request()
        assert str(flask_babel.get_locale()) == locale
        return context
    return enter


@pytest.mark.parametrize("locale", LOCALES)
def test_numbers_percentages_and_money_are_written_as_babel_writes_them(request_in, locale):
    context = request_in(locale)
    try:
        values = numbers(17, 600)
        for pattern in NUMBER_PATTERNS:
            for value in values:
                same(l10n.format_decimal, flask_babel.format_decimal, value, pattern)
        for value in values:  # whole numbers a second time: as kept from the first
            if type(value) is int:
                assert l10n.format_decimal(value, "#,##0") == flask_babel.format_decimal(value, "#,##0")
        for value in values:
            if isinstance(value, float) and abs(value) > 1e20:
                continue
            same(l10n.format_percent, flask_babel.format_percent, value, "#,##0.#%")
            for currency in ("PLN", "EUR", "JPY"):
                same(l10n.format_currency, flask_babel.format_currency, value, currency)
    finally:
        context.pop()


@pytest.mark.parametrize("locale", LOCALES)
def test_dates_and_moments_are_written_as_flask_babel_writes_them(request_in, locale):
    context = request_in(locale)
    try:
        values = moments(5, 400)
        for pattern in DATE_PATTERNS:
            for value in values:
                same(l10n.format_datetime, flask_babel.format_datetime, value, pattern)
                same(l10n.format_date, flask_babel.format_date, value, pattern)
                same(l10n.format_date, flask_babel.format_date, value.date(), pattern)
    finally:
        context.pop()


def old_number(value, places=2):  # noqa: ANN001, ANN201  (the filter before issue 17, verbatim)
    if value is None or value == "":
        return "–"
    pattern = "#,##0" + ("." + "#" * places if places > 0 else "")
    return flask_babel.format_decimal(Decimal(str(value)), pattern)


def old_money(value):  # noqa: ANN001, ANN201
    if value is None:
        return ""
    text = flask_babel.format_currency(Decimal(value), "PLN")
    if text.startswith("PLN") and text[3:4].isdigit():
        text = "PLN\xa0" + text[3:]
    return text


@pytest.mark.parametrize("locale", LOCALES)
def test_the_template_filters_write_what_they_wrote_before(request_in, locale):
    context = request_in(locale)
    try:
        for value in [*numbers(3, 300), None, ""]:
            if isinstance(value, float) and abs(value) > 1e20:
                continue
            for places in (0, 1, 2, 3, 6):
                assert templating.number(value, places) == old_number(value, places), (locale, value, places)
            if value not in ("", None) and not isinstance(value, float):
                assert templating.money(value) == old_money(value), (locale, value)
        for value in moments(9, 300):
            assert templating.moment(value) == flask_babel.format_datetime(value, "d MMMM y, HH:mm")
            assert templating.moment(value, "d.MM.y") == flask_babel.format_datetime(value, "d.MM.y")
            assert templating.day(value) == flask_babel.format_date(value, "long")
        assert templating.moment(None) == templating.day(None) == ""
    finally:
        context.pop()


def flask_babel_environment() -> Environment:
    """The templates' gettext as Flask-Babel installs it, to compare with."""
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: flask_babel.get_translations().ugettext(s),
        ngettext=lambda s, p, n: flask_babel.get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: flask_babel.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: flask_babel.get_translations().unpgettext(c, s, p, n))
    return env


def catalogue_ids() -> list[str]:
    with (ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
        catalogue = Translations(fh)
    return [key for key in catalogue._catalog if isinstance(key, str) and key and "%(" not in key]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_templates_gettext_translates_as_flask_babels_did(app, request_in, locale):
    ours, theirs = app.jinja_env, flask_babel_environment()
    sources = [
        "{{ _('Ocena wniosków') }}|{{ gettext('Wnioski') }}",
        "{{ _('Rozrzut (%% wyższej sumy)') }}",
        "{{ _('Wniosków: %(n)d (w ocenie: %(e)d). Z wynikiem końcowym: %(c)d. Bez kompletu oceniających: "
        "%(l)d. Potrzebna trzecia ocena, nieprzydzielona: %(t)d.', n=5, e=4, c=3, l=2, t=1) }}",
        "{{ _('ponad %(p)d%%', p=20) }}",
        "{{ _('<b>%(name)s</b>', name='<i>') }}",
        "{{ ngettext('został %(num)d dzień', 'zostało %(num)d dni', 5) }}",
        "{{ ngettext('został %(num)d dzień', 'zostało %(num)d dni', 1) }}",
        "{{ pgettext('ctx', 'Wnioski') }}|{{ npgettext('ctx', 'a %(num)d', 'b %(num)d', 2) }}",
        "{% autoescape false %}{{ _('<b>%(name)s</b>', name='<i>') }}{% endautoescape %}",
    ]
    context = request_in(locale)
    try:
        for source in sources:
            assert ours.from_string(source).render() == theirs.from_string(source).render(), source
        for msgid in catalogue_ids():
            expected = Markup(flask_babel.get_translations().ugettext(msgid))
            if "%" in msgid:
                continue  # formatted with no variables: compared above
            assert ours.from_string("{{ _(s) }}").render(s=msgid) == str(expected), msgid
    finally:
        context.pop()


def test_the_language_follows_force_locale_and_refresh(app, request_in):
    page = app.jinja_env.from_string("{{ _('Wnioski') }} {{ x | number }} {{ when | moment }}")
    when = datetime(2024, 7, 1, 10, 0, tzinfo=UTC)
    context = request_in("pl")
    try:
        polish = page.render(when=when, x=1234.5)
        assert polish == "Wnioski 1\xa0234,5 1 lipca 2024, 12:00"
        with flask_babel.force_locale("en"):
            assert page.render(when=when, x=1234.5) == "Applications 1,234.5 1 July 2024, 12:00"
            assert l10n.gettext("Wnioski") == "Applications"
        assert page.render(when=when, x=1234.5) == polish
        app.config["TIMEZONE"] = "UTC"
        try:
            flask_babel.refresh()
            assert page.render(when=when, x=1234.5) == "Wnioski 1\xa0234,5 1 lipca 2024, 10:00"
        finally:
            app.config["TIMEZONE"] = "Europe/Warsaw"
            flask_babel.refresh()
    finally:
        context.pop()


def test_outside_an_application_context_flask_babel_answers():
    assert l10n.current() is None
    assert l10n.format_decimal(Decimal("1234.5"), "#,##0.##") == flask_babel.format_decimal(Decimal("1234.5"),
                                                                                            "#,##0.##")
    assert l10n.gettext("Wnioski") == "Wnioski"
    same(l10n.format_date, flask_babel.format_date, date(2024, 7, 1), "d.MM.y")


def test_python_gettext_matches_flask_babels(request_in):
    context = request_in("en")
    try:
        for msgid in catalogue_ids()[:400]:
            assert l10n.gettext(msgid) == flask_babel.gettext(msgid)
        assert l10n.gettext("ponad %(p)d%%", p=20) == flask_babel.gettext("ponad %(p)d%%", p=20)
        for n in (0, 1, 2, 5, 22, 101):
            assert l10n.ngettext("został %(num)d dzień", "zostało %(num)d dni", n) == \
                flask_babel.ngettext("został %(num)d dzień", "zostało %(num)d dni", n)
    finally:
        context.pop()
