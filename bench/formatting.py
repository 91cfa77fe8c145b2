"""What one number, amount, date or translated string costs a page: Flask-Babel's functions
against workflow/web/l10n.py (decision 0034), in one request context, in Polish.

    python bench/formatting.py

Prints the median of 7 runs of 20,000 calls each, in µs per call. Figures only.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import timeit
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import flask_babel  # noqa: E402
from jinja2 import Environment  # noqa: E402
from support import app_for_tests  # noqa: E402

from workflow.web import l10n, templating  # noqa: E402

CALLS, RUNS = 20_000, 7


def per_call(fn) -> float:  # noqa: ANN001
    return statistics.median(timeit.repeat(fn, number=CALLS, repeat=RUNS)) / CALLS * 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = app_for_tests(f"sqlite:///{tmp}/x.sqlite3", tmp)
        with app.test_request_context("/", headers={"Accept-Language": "pl"}):
            app.preprocess_request()
            when = datetime(2026, 5, 3, 10, 15, tzinfo=UTC)
            score, amount, count = Decimal("93.5"), Decimal("40000000.00"), 2715
            babel_env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
            babel_env.install_gettext_callables(  # type: ignore[attr-defined]  (as Flask-Babel does)
                gettext=lambda s: flask_babel.get_translations().ugettext(s),
                ngettext=lambda s, p, n: flask_babel.get_translations().ungettext(s, p, n), newstyle=True)
            loop = "{% for i in range(1000) %}{{ _('Wnioski') }}{% endfor %}"
            theirs, ours = babel_env.from_string(loop), app.jinja_env.from_string(loop)
            rows = [
                ("a whole number (#,##0)", lambda: flask_babel.format_decimal(count, "#,##0"),
                 lambda: l10n.format_decimal(count, "#,##0")),
                ("a score (#,##0.##)", lambda: flask_babel.format_decimal(score, "#,##0.##"),
                 lambda: templating.number(score)),
                ("an amount in złoty", lambda: flask_babel.format_currency(amount, "PLN"),
                 lambda: templating.money(amount)),
                ("a moment (d MMMM y, HH:mm)", lambda: flask_babel.format_datetime(when, "d MMMM y, HH:mm"),
                 lambda: templating.moment(when)),
                ("a day (long)", lambda: flask_babel.format_date(when, "long"), lambda: templating.day(when)),
            ]
            print(f"µs per call, median of {RUNS} × {CALLS:,} calls")
            print(f"{'':28} {'Flask-Babel':>12} {'l10n':>8} {'ratio':>7}")
            for name, old, new in rows:
                a, b = per_call(old), per_call(new)
                print(f"{name:28} {a:>12.2f} {b:>8.2f} {a / b:>6.1f}x")
            a = statistics.median(timeit.repeat(theirs.render, number=20, repeat=RUNS)) / 20 / 1000 * 1e6
            b = statistics.median(timeit.repeat(ours.render, number=20, repeat=RUNS)) / 20 / 1000 * 1e6
            print(f"{'a template _()':28} {a:>12.2f} {b:>8.2f} {a / b:>6.1f}x")


if __name__ == "__main__":
    main()
