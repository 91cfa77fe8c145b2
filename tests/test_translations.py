"""The message catalogs: complete English, correct Polish plurals, and a template in step with the code.

The source strings (msgids) are Polish, so the Polish catalog only needs the plural
entries filled in; every other Polish msgstr may stay empty and gettext falls back to
the msgid. The English catalog must translate everything.

After adding or changing a UI string:

    pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot \\
        --no-location --sort-output .
    pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

then translate the new entries in translations/en (and the plural forms in translations/pl).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("en", "pl")

# Python %-format placeholders: %(name)s, %(num)d, %(mb).1f ...
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]")
# The {name} fields of a message's default text (workflow/messaging/texts.py), filled by
# str.format when the message is sent: a translation must keep them too.
FIELD = re.compile(r"\{(\w+)\}")

DAYS_LEFT = ("został %(num)d dzień", "zostało %(num)d dni")
DAYS_AGO = ("termin minął %(num)d dzień temu", "termin minął %(num)d dni temu")


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale, abort_invalid=True)


def _po(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _messages(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def _forms(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple | list) else (message.string,)


def _ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple | list) else (message.id,)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text)) | {f"{{{name}}}" for name in FIELD.findall(text)}


def _sorted(keys: set[str | tuple[str, ...]]) -> list[str | tuple[str, ...]]:
    return sorted(keys, key=str)


def _key(message: Message) -> str | tuple[str, ...]:
    return tuple(message.id) if message.pluralizable else message.id


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return {locale: _read(_po(locale), locale) for locale in LOCALES}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory, catalogs: dict[str, Catalog]) -> Path:
    """Compile the catalogs as `make translations` does (--use-fuzzy) into a scratch directory."""
    root = tmp_path_factory.mktemp("translations")
    for locale, catalog in catalogs.items():
        target = root / locale / "LC_MESSAGES" / "messages.mo"
        target.parent.mkdir(parents=True)
        with target.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=True)
    return root


def _translations(root: Path, locale: str) -> Translations:
    translations = Translations.load(dirname=str(root), locales=[locale], domain="messages")
    assert isinstance(translations, Translations), f"no compiled catalog for {locale}"
    return translations


# --- (a) English is complete --------------------------------------------------------------------


def test_english_translates_every_message(catalogs: dict[str, Catalog]) -> None:
    catalog = catalogs["en"]
    messages = _messages(catalog)
    assert messages
    untranslated = [m.id for m in messages if not all(f.strip() for f in _forms(m))]
    assert not untranslated, f"untranslated in en: {untranslated}"
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert not fuzzy, f"fuzzy in en: {fuzzy}"
    for message in messages:
        if message.pluralizable:
            assert len(_forms(message)) == catalog.num_plurals == 2, message.id


def test_no_catalog_has_fuzzy_entries(catalogs: dict[str, Catalog]) -> None:
    for locale, catalog in catalogs.items():
        fuzzy = [m.id for m in _messages(catalog) if m.fuzzy]
        assert not fuzzy, f"fuzzy in {locale}: {fuzzy}"


# --- (b) placeholders survive translation --------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_placeholders(catalogs: dict[str, Catalog], locale: str) -> None:
    problems = []
    for message in _messages(catalogs[locale]):
        expected: set[str] = set()
        for msgid in _ids(message):
            expected |= _placeholders(msgid)
        for form in _forms(message):
            if not form:  # Polish falls back to the msgid
                continue
            found = _placeholders(form)
            if found != expected:
                problems.append((message.id, form, sorted(expected), sorted(found)))
    assert not problems, f"placeholder mismatch in {locale}: {problems}"


@pytest.mark.parametrize("locale", LOCALES)
def test_babel_checkers_pass(catalogs: dict[str, Catalog], locale: str) -> None:
    """Babel's own checks: python-format compatibility and number of plural forms."""
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalogs[locale].check()]
    assert not errors, errors


# --- (c) Polish plurals ------------------------------------------------------------------------


def _polish_plural(n: int) -> int:
    if n == 1:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


def test_polish_catalog_has_three_plural_forms(catalogs: dict[str, Catalog]) -> None:
    catalog = catalogs["pl"]
    assert catalog.num_plurals == 3
    header = dict(catalog.mime_headers)["Plural-Forms"]
    assert header.replace(" ", "") == (
        "nplurals=3;plural=(n==1?0:n%10>=2&&n%10<=4&&(n%100<10||n%100>=20)?1:2);"
    )
    plurals = [m for m in _messages(catalog) if m.pluralizable]
    assert plurals
    for message in plurals:
        forms = _forms(message)
        assert len(forms) == 3, message.id
        assert all(f.strip() for f in forms), f"missing Polish plural form: {message.id} -> {forms}"


# --- (d) compiled catalogs behave ------------------------------------------------------------------


def test_polish_plural_function_matches_the_grammar(compiled: Path) -> None:
    translations = _translations(compiled, "pl")
    for n in range(0, 1001):
        form = translations.ngettext(*DAYS_LEFT, n) % {"num": n}
        expected = ("został %d dzień", "zostały %d dni", "zostało %d dni")[_polish_plural(n)] % n
        assert form == expected, n


@pytest.mark.parametrize(("n", "expected"), [
    (1, "został 1 dzień"),
    (2, "zostały 2 dni"),
    (4, "zostały 4 dni"),
    (5, "zostało 5 dni"),
    (12, "zostało 12 dni"),
    (14, "zostało 14 dni"),
    (21, "zostało 21 dni"),
    (22, "zostały 22 dni"),
    (112, "zostało 112 dni"),
    (0, "zostało 0 dni"),
])
def test_polish_days_left(compiled: Path, n: int, expected: str) -> None:
    assert _translations(compiled, "pl").ngettext(*DAYS_LEFT, n) % {"num": n} == expected


@pytest.mark.parametrize(("n", "expected"), [
    (1, "termin minął 1 dzień temu"),
    (2, "termin minął 2 dni temu"),
    (5, "termin minął 5 dni temu"),
    (22, "termin minął 22 dni temu"),
])
def test_polish_days_ago(compiled: Path, n: int, expected: str) -> None:
    assert _translations(compiled, "pl").ngettext(*DAYS_AGO, n) % {"num": n} == expected


def test_polish_singular_falls_back_to_msgid(compiled: Path) -> None:
    assert _translations(compiled, "pl").gettext("Moje miasta") == "Moje miasta"


@pytest.mark.parametrize(("n", "left", "ago"), [
    (1, "1 day left", "deadline passed 1 day ago"),
    (2, "2 days left", "deadline passed 2 days ago"),
    (5, "5 days left", "deadline passed 5 days ago"),
    (22, "22 days left", "deadline passed 22 days ago"),
])
def test_english_days(compiled: Path, n: int, left: str, ago: str) -> None:
    translations = _translations(compiled, "en")
    assert translations.ngettext(*DAYS_LEFT, n) % {"num": n} == left
    assert translations.ngettext(*DAYS_AGO, n) % {"num": n} == ago


def test_english_singular_and_quotes(compiled: Path) -> None:
    translations = _translations(compiled, "en")
    assert translations.gettext("Moje miasta") == "My towns"
    assert translations.gettext("Dodano dokument „%(name)s”.") % {"name": "plan.pdf"} == (
        "Document “plan.pdf” added."
    )


# --- (e) the template matches the code, the catalogs match the template --------------------------


def test_template_is_up_to_date(tmp_path: Path) -> None:
    """Re-extract as the Makefile does; a new or removed string must be followed by `pybabel extract`."""
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run([
        "pybabel", "-q", "extract",
        "-F", str(ROOT / "babel.cfg"),
        "-k", "_l", "-k", "lazy_gettext",
        "-o", str(fresh),
        "--no-location", "--sort-output",
        str(ROOT),
    ])
    extracted = {_key(m) for m in _messages(_read(fresh))}
    committed = {_key(m) for m in _messages(_read(POT))}
    assert extracted, "extraction found nothing: check babel.cfg"
    hint = "run pybabel extract and pybabel update (see tests/test_translations.py docstring)"
    assert not extracted - committed, f"{hint}; missing from messages.pot: {_sorted(extracted - committed)}"
    assert not committed - extracted, f"{hint}; stale in messages.pot: {_sorted(committed - extracted)}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_matches_template(catalogs: dict[str, Catalog], locale: str) -> None:
    template = {_key(m) for m in _messages(_read(POT))}
    catalog = {_key(m) for m in _messages(catalogs[locale])}
    assert not template - catalog, f"run pybabel update; missing in {locale}: {_sorted(template - catalog)}"
    assert not catalog - template, f"run pybabel update; stale in {locale}: {_sorted(catalog - template)}"
    obsolete = list(catalogs[locale].obsolete)
    assert not obsolete, f"obsolete entries in {locale} (use --ignore-obsolete): {obsolete}"
