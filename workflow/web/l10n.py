"""Numbers, money, dates and translations in the page's language, at the cost of the data.

Flask-Babel's helpers do, for every single cell, what a page needs once: find the request's
locale (three lookups on `g` and a `Locale` turned into a string), look the translations up in
a dictionary by that string, parse the number or date pattern, and read the locale's symbols
and month names. A table of 12,000 numbers spent most of its time there (issue 17).

Here:
- a request finds its locale, time zone and translations ONCE (`current()`), kept beside
  Flask-Babel's own per-request values, so that `refresh()` and `force_locale()` are obeyed:
  the cached bundle is used only while it belongs to the very `Locale` object and time zone
  Flask-Babel holds for the request at that moment;
- each number or date pattern is compiled ONCE per locale (`LocaleFormats`, kept for the
  process): Babel's own parsed pattern, with the locale's symbols, currency and month and day
  names looked up at compile time;
- the formatting itself is Babel's algorithm step for step (the same Decimal operations, the
  same grouping and fraction rules, Babel's own date format string), so the output is the
  same character for character; anything unusual (scientific or significant-digit patterns,
  quoted text, infinities, time-zone fields, the named datetime formats) is handed to Babel.
  tests/test_l10n.py compares both over many values in both languages;
- the templates' `_()` and `gettext()` read the request's translations directly, with Jinja's
  new-style semantics kept (autoescape, `%` formatting).

The functions below take the same arguments as Flask-Babel's (the subset the code uses).
Outside an application context they are Flask-Babel's own.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo
from typing import Any

import flask_babel
from babel import Locale
from babel.dates import DateTimeFormat, get_day_names, get_month_names
from babel.dates import parse_pattern as parse_date_pattern
from babel.numbers import (
    NumberPattern,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_quantum,
    get_decimal_symbol,
    get_group_symbol,
)
from babel.numbers import parse_pattern as parse_number_pattern
from babel.support import NullTranslations
from flask import g, has_app_context
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

NAMED = ("full", "long", "medium", "short")
SMALL = 10_000  # whole numbers below this, up to this many per pattern and locale, are kept written
_KEY = "sciezka_l10n"  # our attribute on Flask-Babel's per-request namespace


# --- numbers --------------------------------------------------------------------------------------

class NumberFormat:
    """One number pattern compiled for one locale (and currency): NumberPattern.apply of Babel
    with the lookups done once. Patterns it does not cover go to Babel itself."""

    __slots__ = ("_decimal", "_empty", "_fmax", "_fmin", "_g1", "_g2", "_group", "_int_min", "_ints",
                 "_plain", "_prefix", "_quantum", "_scale", "_suffix", "currency", "locale", "pattern")

    def __init__(self, pattern: str | NumberPattern, locale: Locale, currency: str | None = None) -> None:
        p = parse_number_pattern(pattern)
        self.pattern, self.locale, self.currency = p, locale, currency
        affixes = (*p.prefix, *p.suffix)
        self._plain = (not p.exp_prec and "@" not in p.pattern and not any("'" in a for a in affixes)
                       and not any("¤¤¤" in a for a in affixes) and (currency is not None or
                                                                    not any("¤" in a for a in affixes)))
        frac = (get_currency_precision(currency),) * 2 if currency else p.frac_prec
        self._fmin, self._fmax = frac
        self._quantum = get_decimal_quantum(frac[1])
        self._int_min = p.int_prec[0]
        self._g1, self._g2 = p.grouping
        self._group = get_group_symbol(locale)
        self._decimal = get_decimal_symbol(locale)
        self._scale = p.scale
        self._empty = p.number_pattern == ""
        if currency is not None:
            symbol = get_currency_symbol(currency, locale)
            affixes = tuple(a.replace("¤¤", currency.upper()).replace("¤", symbol) for a in affixes)
        self._prefix, self._suffix = affixes[:2], affixes[2:]
        self._ints: dict[int, str] = {}  # the counts a page shows again and again, written once

    def _babel(self, value: Any) -> str:
        return self.pattern.apply(value, self.locale, currency=self.currency)

    def __call__(self, value: Any) -> str:
        if type(value) is int:
            text = self._ints.get(value)
            if text is None:
                text = self._write(value)
                if -SMALL < value < SMALL and len(self._ints) < SMALL:
                    self._ints[value] = text
            return text
        return self._write(value)

    def _write(self, value: Any) -> str:
        if not self._plain:
            return self._babel(value)
        if type(value) is int and not self._scale and -10**18 < value < 10**18:
            negative = value < 0
            digits = str(-value if negative else value)
            fraction = "0"
        else:
            number = value if isinstance(value, decimal.Decimal) else decimal.Decimal(str(value))
            if self._scale:
                number = number.scaleb(self._scale)
            negative = number.is_signed()
            number = abs(number).normalize()
            if not number.is_finite():
                return self._babel(value)
            digits, _, fraction = f"{number.quantize(self._quantum):f}".partition(".")
            fraction = fraction or "0"
        if len(digits) < self._int_min:
            digits = "0" * (self._int_min - len(digits)) + digits
        size = self._g1
        if len(digits) > size:
            grouped = ""
            while len(digits) > size:
                grouped = self._group + digits[-size:] + grouped
                digits = digits[:-size]
                size = self._g2
            digits += grouped
        if len(fraction) < self._fmin:
            fraction += "0" * (self._fmin - len(fraction))
        if self._fmax == 0 or (self._fmin == 0 and int(fraction) == 0):
            fraction = ""
        else:
            fraction = fraction[:self._fmin] + fraction[self._fmin:].rstrip("0")
            fraction = self._decimal + fraction
        side = 1 if negative else 0
        return self._prefix[side] + ("" if self._empty else digits + fraction) + self._suffix[side]


# --- dates ----------------------------------------------------------------------------------------

_FIELD = re.compile(r"%\((\w+)\)s")
_WIDTHS = {3: "abbreviated", 4: "wide", 5: "narrow", 6: "short"}


def _padded(n: int, attr: str) -> Callable[[Any], str]:
    if n == 1:
        return lambda v: str(getattr(v, attr))
    return lambda v: "%0*d" % (n, getattr(v, attr))  # noqa: UP031  (Babel's own formatting)


def _field(name: str, locale: Locale) -> Callable[[Any], str]:
    """How one field of a date pattern is written: the common ones directly, as Babel's
    DateTimeFormat writes them; any other by DateTimeFormat itself."""
    char, n = name[0], len(name)
    if char == "d":
        return _padded(n, "day")
    if char in "Hms" and len(set(name)) == 1:
        return _padded(n, {"H": "hour", "m": "minute", "s": "second"}[char])
    if char in "ML":
        if n <= 2:
            return _padded(n, "month")
        months = get_month_names(_WIDTHS[n], "format" if char == "M" else "stand-alone", locale)
        return lambda v: months[v.month]
    if char == "y":
        if n == 2:
            return lambda v: ("%0*d" % (2, v.year))[-2:]  # noqa: UP031
        return _padded(n, "year")
    if char == "E" and n <= 6:
        days = get_day_names(_WIDTHS[max(n, 3)], "format", locale)
        return lambda v: days[v.weekday()]
    return lambda v: DateTimeFormat(v, locale)[name]


class DateFormat:
    """One date pattern compiled for one locale: Babel's format string, each field written
    as DateTimeFormat writes it."""

    __slots__ = ("_fields", "_format", "locale", "pattern")

    def __init__(self, pattern: Any, locale: Locale) -> None:
        p = parse_date_pattern(pattern)
        self.pattern, self.locale, self._format = p, locale, p.format
        names = dict.fromkeys(_FIELD.findall(p.format))
        self._fields = tuple((name, _field(name, locale)) for name in names)

    def __call__(self, value: date | datetime) -> str:
        return self._format % {name: write(value) for name, write in self._fields}


# --- per locale, per request ------------------------------------------------------------------------

class LocaleFormats:
    """The compiled patterns of one locale, for the life of the process."""

    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        self.numbers: dict[tuple[str | None, str | None], NumberFormat] = {}
        self.dates: dict[str, DateFormat] = {}

    def number(self, pattern: str | None, currency: str | None = None) -> NumberFormat:
        try:
            return self.numbers[pattern, currency]
        except KeyError:
            if pattern is None:
                source: Any = (self.locale.currency_formats["standard"] if currency
                               else self.locale.decimal_formats[None])
            else:
                source = pattern
            compiled = self.numbers[pattern, currency] = NumberFormat(source, self.locale, currency)
            return compiled

    def date(self, pattern: str) -> DateFormat:
        try:
            return self.dates[pattern]
        except KeyError:
            source: Any = self.locale.date_formats[pattern] if pattern in NAMED else pattern
            compiled = self.dates[pattern] = DateFormat(source, self.locale)
            return compiled


_LOCALES: dict[str, LocaleFormats] = {}


def locale_formats(locale: Locale) -> LocaleFormats:
    key = str(locale)
    found = _LOCALES.get(key)
    if found is None:
        found = _LOCALES[key] = LocaleFormats(Locale.parse(key))
    return found


class Localised:
    """What one request formats with: its locale, time zone, translations and compiled patterns."""

    __slots__ = ("formats", "locale", "translations", "tz")

    def __init__(self, locale: Locale, tz: tzinfo, translations: NullTranslations) -> None:
        self.locale, self.tz, self.translations = locale, tz, translations
        self.formats = locale_formats(locale)


def current() -> Localised | None:
    """The request's bundle (None outside an application context), found once per request.

    It is kept on Flask-Babel's per-request namespace and used only while Flask-Babel still
    holds the same Locale object and time zone: refresh() drops them and force_locale() puts
    another Locale in, so either makes a new bundle."""
    if not has_app_context():
        return None
    space = g._get_current_object().__dict__.get("_flask_babel")  # the proxy's own get() costs more
    if space is not None:
        values = space.__dict__
        bundle = values.get(_KEY)
        if (bundle is not None and bundle.locale is values.get("babel_locale")
                and bundle.tz is values.get("babel_tzinfo")):
            return bundle
    locale = flask_babel.get_locale()
    if locale is None:
        return None
    bundle = Localised(locale, flask_babel.get_timezone(), flask_babel.get_translations())
    setattr(g._flask_babel, _KEY, bundle)
    return bundle


# --- the functions, with Flask-Babel's arguments ------------------------------------------------------

def number_format(pattern: str | None = None, currency: str | None = None) -> Callable[[Any], str]:
    """The request's compiled formatter of `pattern` (or of the currency's standard pattern),
    for a loop to call without looking anything up; Flask-Babel's function outside a context."""
    here = current()
    if here is None:
        if currency is not None:
            return lambda value: flask_babel.format_currency(value, currency, pattern)
        return lambda value: flask_babel.format_decimal(value, pattern)
    return here.formats.number(pattern, currency)


def format_decimal(number: Any, format: str | None = None) -> str:  # noqa: A002  (Flask-Babel's name)
    here = current()
    if here is None:
        return flask_babel.format_decimal(number, format)
    return here.formats.number(format)(number)


def format_percent(number: Any, format: str | None = None) -> str:  # noqa: A002
    here = current()
    if here is None or format is None:
        return flask_babel.format_percent(number, format)
    return here.formats.number(format)(number)


def format_currency(number: Any, currency: str) -> str:
    here = current()
    if here is None:
        return flask_babel.format_currency(number, currency)
    return here.formats.number(None, currency)(number)


def _in_zone(value: datetime, zone: tzinfo) -> datetime:
    """Babel's (and Flask-Babel's) way to the page's time zone: naive means UTC. (Babel then
    normalises a pytz result; astimezone() has already given it the right offset, through
    pytz's own fromutc(), so that would change nothing.)"""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone)


def format_datetime(value: datetime | None = None, format: str | None = None) -> str:  # noqa: A002
    """A moment in the page's time zone and language (`format` a Babel pattern)."""
    here = current()
    if here is None or format is None or format in NAMED or type(value) is not datetime:
        return flask_babel.format_datetime(value, format)
    return here.formats.date(format)(_in_zone(value, here.tz))


def format_date(value: date | datetime | None = None, format: str | None = None) -> str:  # noqa: A002
    """A day in the page's language; a moment is first moved to the page's time zone."""
    here = current()
    if here is None or format is None or value is None:
        return flask_babel.format_date(value, format)
    if isinstance(value, datetime):
        value = _in_zone(value, here.tz).date()
    return here.formats.date(format)(value)


def gettext(string: str, /, **variables: Any) -> str:
    """flask_babel.gettext, with the request's translations found once."""
    here = current()
    if here is None:
        return flask_babel.gettext(string, **variables)
    text = here.translations.ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, /, **variables: Any) -> str:
    here = current()
    if here is None:
        return flask_babel.ngettext(singular, plural, num, **variables)
    variables.setdefault("num", num)
    return here.translations.ungettext(singular, plural, num) % variables


# --- the templates' gettext ---------------------------------------------------------------------------

def _translations() -> Any:
    here = current()
    return here.translations if here is not None else flask_babel.get_translations()


@pass_context
def _template_gettext(context: Context, string: str, /, **variables: Any) -> str:
    text = _translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # our catalogue's text, as Jinja's gettext  # noqa: S704  # nosec B704
    # Jinja's new-style gettext always formats; with no variables and no '%' that is a no-op.
    return text % variables if variables or "%" in text else text


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, num: int, /, **variables: Any) -> str:
    variables.setdefault("num", num)
    text = _translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # our catalogue's text, as Jinja's gettext  # noqa: S704  # nosec B704
    return text % variables


@pass_context
def _template_pgettext(context: Context, ctx: str, string: str, /, **variables: Any) -> str:
    variables.setdefault("context", ctx)
    text = _translations().upgettext(ctx, string)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # our catalogue's text, as Jinja's gettext  # noqa: S704  # nosec B704
    return text % variables


@pass_context
def _template_npgettext(context: Context, ctx: str, singular: str, plural: str, num: int, /,
                        **variables: Any) -> str:
    variables.setdefault("context", ctx)
    variables.setdefault("num", num)
    text = _translations().unpgettext(ctx, singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # our catalogue's text, as Jinja's gettext  # noqa: S704  # nosec B704
    return text % variables


def install_gettext(env: Environment) -> None:
    """The templates' `_()`, gettext() and friends read the request's translations directly
    (after Flask-Babel installed its own, which look them up on every call). `_` is the
    function itself rather than Jinja's alias that resolves `gettext` on every call."""
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals.update(gettext=_template_gettext, _=_template_gettext, ngettext=_template_ngettext,
                       pgettext=_template_pgettext, npgettext=_template_npgettext)
