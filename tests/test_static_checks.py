"""The dependency audit of CI: requirements.lock pins every dependency, and .ci/audit_deps.py
tells a found vulnerability (CI fails) from an unreachable vulnerability database (CI warns).

The classification is checked on pip-audit JSON reports of each kind, through the script's
own command line; the network run itself is `make audit-deps`.
"""

from __future__ import annotations

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
