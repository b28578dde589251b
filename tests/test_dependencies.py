"""No pinned dependency has a known vulnerability (pip-audit over constraints.txt).

pip-audit asks a vulnerability service (PyPI's JSON API, then OSV). Where neither answers
for every pin, the check is skipped with the reason, never passed silently. Run by
`make audit-deps` (part of `make test`), not by the plain suite: marker `deps`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.deps

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("pypi", "osv")


def _pip_audit() -> str:
    beside = Path(sys.executable).with_name("pip-audit")
    found = str(beside) if beside.exists() else shutil.which("pip-audit")
    if not found:
        pytest.fail("pip-audit is not installed: `pip install -c constraints.txt -e '.[test]'`")
    return found


def _audit(service: str) -> tuple[list[dict], str]:
    """Return pip-audit's per-dependency results from one service, or why there are none."""
    command = [
        _pip_audit(),
        "--requirement", str(ROOT / "constraints.txt"),
        "--no-deps", "--disable-pip", "--format", "json", "--progress-spinner", "off",
        "--vulnerability-service", service, "--timeout", "20",
    ]  # fmt: skip
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    except subprocess.TimeoutExpired:
        return [], f"{service}: no answer within 10 minutes"
    try:
        return json.loads(result.stdout)["dependencies"], ""
    except (ValueError, KeyError):
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return [], f"{service}: pip-audit failed ({tail[:300]})"


def test_no_pinned_dependency_has_a_known_vulnerability():
    reasons = []
    for service in SERVICES:
        dependencies, error = _audit(service)
        if error:
            reasons.append(error)
            continue
        audited = [d for d in dependencies if "skip_reason" not in d]
        vulnerable = {
            f"{d['name']}=={d['version']}": [v["id"] for v in d.get("vulns", [])]
            for d in audited
            if d.get("vulns")
        }
        assert not vulnerable, f"known vulnerabilities in pinned versions: {vulnerable}"
        if dependencies and len(audited) == len(dependencies):
            return  # every pin was checked by this service and none is known vulnerable
        skipped = [d for d in dependencies if "skip_reason" in d]
        example = skipped[0]["skip_reason"] if skipped else "no dependencies listed"
        reasons.append(
            f"{service}: {len(skipped)} of {len(dependencies)} pins not audited ({example})"
        )
    pytest.skip("vulnerability check could not run from here: " + "; ".join(reasons))
