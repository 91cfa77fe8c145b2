#!/usr/bin/env python3
"""Audit the locked dependencies (requirements.lock) with pip-audit, telling apart
"a vulnerability was found" from "no vulnerability database could be reached".

    python .ci/audit_deps.py [requirements.lock]      # run pip-audit (PyPI; PIP_AUDIT_SERVICES)
    python .ci/audit_deps.py --report report.json     # only classify a pip-audit JSON report

Exit codes:
    0  audited, no known vulnerability
    1  a known vulnerability was found: CI fails
    2  pip-audit failed for another reason (a bad lock file, a crash): CI fails
    3  no vulnerability service could be reached: nothing was audited. .ci/run reports it
       loudly and goes on, because a machine without the internet cannot audit, and a red CI
       for that would teach people to ignore it. Anything else is never 3.

A service counts as unreachable when pip-audit dies of a connection error (OSV's api.osv.dev
does not resolve), or when it "finds" none of the locked packages (a PyPI mirror that serves
the simple index but not the JSON API answers 404 for each, which pip-audit reports as
"Dependency not found on PyPI" and, without --strict, as success).
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404  (runs pip-audit, with fixed arguments)
import sys
import tempfile
from pathlib import Path

# PyPI (the package registry this project installs from) by default. OSV is another host:
# this workplace's machines may reach only the package registries, so it is asked only
# where PIP_AUDIT_SERVICES names it (e.g. PIP_AUDIT_SERVICES=osv,pypi on a machine online).
SERVICES = tuple(s for s in os.environ.get("PIP_AUDIT_SERVICES", "pypi").split(",") if s)
NETWORK_ERRORS = ("ConnectionError", "NameResolutionError", "Max retries exceeded", "timed out",
                  "Temporary failure in name resolution", "Network is unreachable", "ProxyError")
NOT_FOUND = "not found on PyPI"
OK, VULNERABLE, FAILED, UNREACHABLE = 0, 1, 2, 3


def classify(report: dict) -> tuple[int, str]:
    """What a pip-audit JSON report says: (exit code, message)."""
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    if vulnerable:
        lines = [f"  {d['name']} {d.get('version', '?')}: " + ", ".join(
            f"{v['id']} (fixed in {', '.join(v.get('fix_versions') or ['?'])})" for v in d["vulns"])
            for d in vulnerable]
        return VULNERABLE, "known vulnerabilities in the locked dependencies:\n" + "\n".join(lines)
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = len(deps) - len(skipped)
    if deps and audited == 0 and all(NOT_FOUND in d["skip_reason"] for d in skipped):
        return UNREACHABLE, (f"the service knew none of the {len(deps)} packages "
                             "(not a real vulnerability database)")
    note = f"; not audited: {', '.join(d['name'] for d in skipped)}" if skipped else ""
    return OK, f"{audited} packages audited, no known vulnerability{note}"


def run(lock: Path, service: str) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "pip_audit", "-r", str(lock), "--no-deps", "--disable-pip",
                   "-s", service, "-f", "json", "-o", str(out), "--progress-spinner", "off"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)  # noqa: S603  # nosec B603
        if out.exists() and out.stat().st_size:
            return classify(json.loads(out.read_text()))
    if any(marker in done.stderr for marker in NETWORK_ERRORS):
        last = done.stderr.strip().splitlines()[-1:] or [""]
        return UNREACHABLE, f"cannot connect: {last[0][:300]}"
    return FAILED, f"pip-audit exited {done.returncode}:\n{done.stderr[-2000:]}"


def main(argv: list[str]) -> int:
    if argv[:1] == ["--report"]:
        code, message = classify(json.loads(Path(argv[1]).read_text()))
        print(message)
        return code
    lock = Path(argv[0] if argv else "requirements.lock")
    if not lock.exists():
        print(f"{lock} is missing: run `make lock`", file=sys.stderr)
        return FAILED
    reasons = []
    for service in SERVICES:
        code, message = run(lock, service)
        print(f"pip-audit -s {service}: {message}")
        if code != UNREACHABLE:
            return code
        reasons.append(f"{service}: {message}")
    print("\n!!! pip-audit could not reach any vulnerability database, so the dependencies were NOT "
          "audited:\n    " + "\n    ".join(reasons), file=sys.stderr)
    return UNREACHABLE


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
