"""The dependency audit of CI: requirements.lock pins every dependency, and .ci/audit_deps.py
tells a found vulnerability (CI fails) from an unreachable vulnerability database (CI warns).

The classification is checked on pip-audit JSON reports of each kind, through the script's
own command line; the network run itself is `make audit-deps`.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "audit_deps.py"


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _sep, version = line.partition("==")
            assert version, f"not pinned: {line}"
            pins[normalise(name)] = version
    return pins


def test_the_lock_pins_every_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    names = {normalise(re.split(r"[\[<>=!~; ]", d, maxsplit=1)[0]) for d in declared}
    missing = names - set(locked())
    assert not missing, f"not in requirements.lock (run `make lock`): {sorted(missing)}"


def classify(tmp_path: Path, dependencies: list[dict]) -> tuple[int, str]:
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"dependencies": dependencies, "fixes": []}))
    done = subprocess.run([sys.executable, str(SCRIPT), "--report", str(report)],
                          capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout


def test_a_known_vulnerability_fails(tmp_path):
    code, said = classify(tmp_path, [
        {"name": "flask", "version": "3.1.0", "vulns": []},
        {"name": "jinja2", "version": "3.1.4", "vulns": [
            {"id": "GHSA-q2x7-8rv6-6q7h", "fix_versions": ["3.1.5"], "aliases": [], "description": "x"}]},
    ])
    assert code == 1
    assert "jinja2 3.1.4: GHSA-q2x7-8rv6-6q7h (fixed in 3.1.5)" in said


def test_a_service_that_knows_no_package_is_unreachable_not_clean(tmp_path):
    reason = "Dependency not found on PyPI and could not be audited: {} (1.0)"
    skipped = [{"name": n, "skip_reason": reason.format(n)} for n in ("flask", "alembic")]
    code, said = classify(tmp_path, skipped)
    assert code == 3
    assert "knew none of the 2 packages" in said


@pytest.mark.parametrize("skipped", [[], [{"name": "sciezka", "skip_reason": "not found on PyPI"}]])
def test_audited_packages_without_vulnerabilities_pass(tmp_path, skipped):
    code, said = classify(tmp_path, [{"name": "flask", "version": "3.1.0", "vulns": []}, *skipped])
    assert code == 0
    assert "1 packages audited, no known vulnerability" in said


# --- the tests' own layout: builders in tests/factories/, the rest in tests/support/ -------------
# A test module imports builders and support, never another test module (whose fixtures and
# helpers would then run, or be shadowed, in a module that did not ask for them); conftest.py
# holds fixtures and hooks only.

TESTS = ROOT / "tests"


def imported_test_modules(source: str) -> list[str]:
    """The test modules (test_*.py) that `source` imports, however it spells the import."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            modules = [base] + [f"{base}.{alias.name}".lstrip(".") for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0].startswith("test_") or (parts[0] == "tests" and parts[1:2]
                                                 and parts[1].startswith("test_")):
                found.append(module)
    return sorted(set(found))


def test_the_import_check_sees_every_spelling():
    for source in ("from test_appeals import announce", "import test_appeals",
                   "from tests.test_appeals import announce", "from tests import test_appeals",
                   "import tests.test_appeals as appeals", "from . import test_appeals"):
        assert imported_test_modules(source), source
    assert imported_test_modules("from factories.results import announce\nimport testing") == []


def test_no_test_module_imports_another():
    wrong = [f"{path.relative_to(TESTS)} imports {module}"
             for path in sorted(TESTS.rglob("*.py"))
             for module in imported_test_modules(path.read_text(encoding="utf-8"))]
    assert not wrong, ("move what is shared to tests/factories/ (builders of rows) or tests/support/ "
                       "(fixtures: tests/conftest.py):\n" + "\n".join(wrong))


def test_the_tests_folder_holds_test_modules_conftest_factories_and_support():
    loose = sorted(p.name for p in TESTS.glob("*.py")
                   if p.name != "conftest.py" and not p.name.startswith("test_"))
    assert not loose, f"put these in tests/factories/ or tests/support/: {loose}"
    for package in ("factories", "support"):
        assert (TESTS / package / "__init__.py").is_file(), package


def test_conftest_holds_fixtures_and_hooks_only():
    tree = ast.parse((TESTS / "conftest.py").read_text(encoding="utf-8"))
    other = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):  # the docstring
            continue
        if isinstance(node, ast.FunctionDef) and (node.name.startswith("pytest_") or any(
                "fixture" in ast.unparse(d) for d in node.decorator_list)):
            continue
        other.append(f"line {node.lineno}: {ast.unparse(node).splitlines()[0]}")
    assert not other, "builders belong in tests/factories/, helpers in tests/support/:\n" + "\n".join(other)
