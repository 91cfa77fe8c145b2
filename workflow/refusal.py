"""One shape for every refusal: an exception with the reasons and the HTTP status a page
answers with; and the few helpers its messages need.

An operation that may not happen raises a subclass of `Refused`. Its messages are written
with lazy gettext (`_l("…")`, Polish msgids, see docs/decisions/0001), so the catalogs see
them and each reader gets them in their own language when the page is rendered: the
operation never asks which language that is. One handler (workflow/web/errors.py) renders
any refusal a view leaves uncaught; a view that can do better shows the page the user was
on again, with the reasons and what they typed (workflow/web/helpers.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask_babel import force_locale, get_locale, gettext
from flask_babel.speaklater import LazyString
from markupsafe import escape


class LazyText(LazyString):
    """flask_babel's lazy string, escaped like any other text when a template prints it.
    (LazyString hands itself to Jinja as markup, unescaped; a message may carry what a
    user typed, e.g. an e-mail address that is not one.)"""

    def __html__(self) -> str:
        return escape(str(self))


# Text for a person: a plain string, or a lazy one that becomes text (in the reader's
# language) when it is rendered.
Message = str | LazyString


def _l(string: str, **variables: Any) -> LazyText:
    """lazy_gettext (a Polish msgid, `make messages` extracts it) with %(name)s `variables`;
    the text is made in the reader's language when it is rendered, and escaped there."""
    return LazyText(gettext, string, **variables)


def fill(message: Message, **values: object) -> LazyText:
    """`message` (a msgid kept as a constant) with its %(name)s placeholders filled."""
    return LazyText(lambda: str(message) % values)


def language() -> str:
    """'en' or 'pl': the language a message rendered now is read in (Polish by default)."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "pl"


def either(pl: str, en: str) -> LazyText:
    """A text held in both languages as data (a field's name from the database, a date in
    each language's habit), shown in the reader's language. Not for UI text: that is a msgid."""
    return LazyText(lambda: en if language() == "en" else pl)


def localized(label: Any) -> LazyText:
    """A `Label` of states/ (a guard's refusal, a state's name) as a message."""
    return LazyText(lambda: label.get(language()))


def in_language(message: Message, locale: str) -> str:
    """`message` as text in `locale`, whoever reads it now (e.g. Polish for a stored record,
    English for the log)."""
    with force_locale(locale):
        return str(message)


class Refused(Exception):
    """An action that may not happen, and why.

    `reasons` concern the action as a whole; `errors` maps a form field's name to the
    messages that belong next to that field. `status` is the HTTP answer: 409 when the
    action conflicts with the current state, 400 for bad input, 403 when the user may
    see but not do this, 404 when they may not even know it exists. `stale` says the
    page the user acted on was out of date (someone else changed the data meanwhile).
    """

    status: int = 409

    def __init__(self, reasons: Iterable[Message] = (), *,
                 errors: Mapping[str, Sequence[Message]] | None = None,
                 status: int | None = None, stale: bool = False) -> None:
        super().__init__()
        self.reasons: list[Message] = list(reasons)
        self.errors: dict[str, list[Message]] = {key: list(ms) for key, ms in (errors or {}).items()}
        if status is not None:
            self.status = status
        self.stale = stale

    @property
    def messages(self) -> list[Message]:
        """Every message: the reasons, then the fields' messages."""
        return [*self.reasons, *(m for ms in self.errors.values() for m in ms)]

    def __str__(self) -> str:
        """In English, for the log and tracebacks (as the messages were before)."""
        return "; ".join(in_language(m, "en") for m in self.messages) or type(self).__name__


class NotFound(Refused, LookupError):
    """Not the user's to see or touch: answered as a page that does not exist (404), so
    the URL reveals nothing. `key` is what was looked for, for the log."""

    status = 404

    def __init__(self, key: object = None) -> None:
        super().__init__()
        self.key = key

    def __str__(self) -> str:
        return f"{type(self).__name__}({self.key!r})"
