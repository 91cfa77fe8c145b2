"""No user-visible text outside the catalogs: every word a template shows, and every
message Python gives a person (flash, form labels and messages, abort texts), goes through
gettext, so that translations/en can translate it.

Templates: Jinja comments, tags and expressions are cut out, then what is left between
HTML tags, and the text of title/aria-label/placeholder/alt attributes, must hold no word.
Python: string constants passed to flash()/abort(), to a WTForms field or validator, and any
string constant with Polish letters outside a gettext call and outside docstrings.
The allowlist below is short and explicit: names that are the same in every language.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Same in every language: the brand, each language's own name on the switch, units.
ALLOWED = {"Ścieżka", "Polski", "English", "zł", "MB", "PDF", "CSV", "XLSX", "JSON", "ICS", "RL", "ID", "kB",
           "%"}

JINJA = re.compile(r"\{#.*?#\}|\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
TRANS = re.compile(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", re.S)
# A string literal inside a Jinja expression, and whether gettext is called on it.
JINJA_LITERAL = re.compile(r"""(_\(\s*)?("[^"]*"|'[^']*')""")
RAW_BLOCKS = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]*>", re.S)
ATTRIBUTE = re.compile(r"""\b(title|aria-label|placeholder|alt)\s*=\s*("[^"]*"|'[^']*')""", re.I)
WORD = re.compile(r"[^\W\d_]{2,}")
ENTITY = re.compile(r"&[a-zA-Z]+;|&#\d+;")
POLISH = re.compile(r"[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]")
GETTEXT = {"_", "_l", "gettext", "ngettext", "lazy_gettext", "lazy_ngettext", "pgettext", "npgettext",
           "Label", "label"}


def words(text: str) -> list[str]:
    return [w for w in WORD.findall(ENTITY.sub(" ", text)) if w not in ALLOWED]


def template_problems(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    problems = []
    without_jinja = JINJA.sub(" ", source)
    for m in ATTRIBUTE.finditer(without_jinja):
        if words(m.group(2)):
            problems.append(f"{m.group(1)}={m.group(2)}")
    for m in JINJA_LITERAL.finditer(" ".join(JINJA.findall(TRANS.sub(" ", source)))):
        if POLISH.search(m.group(2)) and words(m.group(2)) and not m.group(1):
            problems.append(m.group(0).strip())
    for chunk in TAG.split(RAW_BLOCKS.sub(" ", without_jinja)):
        if words(chunk):
            problems.append(" ".join(chunk.split()))
    return problems


def test_no_bare_text_in_templates():
    found = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        problems = template_problems(path)
        if problems:
            found[str(path.relative_to(ROOT))] = problems
    assert not found, "text outside {{ _() }}:\n" + "\n".join(
        f"  {name}: {p!r}" for name, problems in found.items() for p in problems)


def test_the_template_scanner_catches_bare_text(tmp_path):
    page = tmp_path / "t.html"
    page.write_text('<p>{{ _("Dobrze") }}</p><p title="Źle">Tu też źle</p>{# Komentarz #}'
                    "{% trans %}Przetłumaczone{% endtrans %}<span>Ścieżka – 5 zł</span>"
                    "{{ x or 'brak wyników' }}{{ _('Dobrze też') }}")
    assert template_problems(page) == ['title="Źle"', "'brak wyników'", "Tu też źle"]


def _called(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _is_text(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(words(node.value))


VALIDATORS = {"DataRequired", "InputRequired", "Optional", "Email", "FileRequired", "ValidationError",
              "StopValidation"}


def _user_facing_arguments(name: str, node: ast.Call) -> list[ast.AST]:
    """The arguments of a call that reach a person: flash's message, abort's description,
    a field's label, a validator's message."""
    keywords = {k.arg: k.value for k in node.keywords}
    if name == "flash":
        return node.args[:1]
    if name == "abort":
        return [*node.args[1:2], *[v for k, v in keywords.items() if k == "description"]]
    if name.endswith("Field"):
        return [*node.args[:1], *[v for k, v in keywords.items() if k in {"label", "description"}]]
    if name in VALIDATORS:
        return [*node.args[:1], *[v for k, v in keywords.items() if k == "message"]]
    if name in {"Length", "NumberRange", "Regexp", "AnyOf", "NoneOf", "EqualTo", "FileAllowed", "FileSize"}:
        return [v for k, v in keywords.items() if k == "message"]
    return []


def python_problems(source: str, polish: bool = True) -> list[str]:
    tree = ast.parse(source)
    problems: list[str] = []
    inside_gettext: set[int] = set()
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called(node) in GETTEXT:
            inside_gettext.update(id(n) for arg in node.args for n in ast.walk(arg))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            docstrings.add(id(node.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _called(node)
            for value in _user_facing_arguments(name, node):
                if _is_text(value) and id(value) not in inside_gettext:
                    problems.append(f"line {value.lineno}: {name}({value.value!r})")  # type: ignore[attr-defined]
        if (polish and isinstance(node, ast.Constant) and isinstance(node.value, str)
                and POLISH.search(node.value) and words(node.value) and id(node) not in inside_gettext
                and id(node) not in docstrings):
            problems.append(f"line {node.lineno}: {node.value[:60]!r}")
    return sorted(set(problems))


def python_files() -> list[Path]:
    files = [*(ROOT / "forms").rglob("*.py"), *(ROOT / "workflow").rglob("*.py")]
    return sorted(f for f in files if "demo" not in f.name and "cli" not in f.name)


def speaks_to_people(path: Path) -> bool:
    """Views and forms hold no data, so any Polish constant there is text on a screen.
    Services also hold seed data and both languages of e-mails side by side; there only
    the calls above are checked."""
    parts = path.relative_to(ROOT).parts
    return parts[0] == "forms" or (parts[0] == "workflow" and "views" in parts[:-1])


def test_no_bare_user_facing_strings_in_python():
    found = {}
    for path in python_files():
        problems = python_problems(path.read_text(encoding="utf-8"), speaks_to_people(path))
        if problems:
            found[str(path.relative_to(ROOT))] = problems
    assert not found, "user-facing text outside _()/_l():\n" + "\n".join(
        f"  {name}: {p}" for name, problems in found.items() for p in problems)


def test_the_python_scanner_catches_bare_strings():
    source = '''
"""Moduł: docstring bez tłumaczenia."""
flash(_("Zapisano."))
flash("Zapisano bez tłumaczenia.")
name = StringField(_l("Nazwa"), validators=[DataRequired("Podaj nazwę")])
x = "zażółć"
y = _("zażółć")
'''
    assert python_problems(source) == [
        "line 4: 'Zapisano bez tłumaczenia.'", "line 4: flash('Zapisano bez tłumaczenia.')",
        "line 5: 'Podaj nazwę'", "line 5: DataRequired('Podaj nazwę')", "line 6: 'zażółć'"]
    assert python_problems('flash("Saved without gettext")', polish=False) == [
        "line 1: flash('Saved without gettext')"]


def test_no_inline_script_or_style_in_templates():
    """The CSP allows scripts and styles from /static only: no <script> body, no style=""."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle\s*=|\son[a-z]+\s*=", re.I)
    pages = sorted((ROOT / "templates").rglob("*.html"))
    found = [f"{p.relative_to(ROOT)}: {m.group(0).strip()}" for p in pages
             for m in inline.finditer(p.read_text(encoding="utf-8"))]
    assert not found, "\n".join(found)
