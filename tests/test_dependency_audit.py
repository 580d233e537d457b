"""The installed dependencies have no known vulnerability: ``pip-audit`` checks every
installed distribution (rxtwin itself, installed editable, left out) against the PyPI
advisory data (the ``vulnerabilities`` of each release's JSON).

Where that advisory source cannot be reached, or answers without advisory data (a registry
mirror that serves packages but not PyPI's JSON API), the test is skipped and says why,
even under ``CI=true``: the one test of the suite that may skip in CI, since a verdict
without advisories would be empty. It fails, listing each advisory, when one is found."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from importlib.metadata import version

import pytest

PROBE_PACKAGE = "fastapi"
PYPI_JSON = "https://pypi.org/pypi/{name}/{version}/json"


def _advisories_unreachable() -> str | None:
    """Why the advisory source cannot be used, or None when it can."""
    url = PYPI_JSON.format(name=PROBE_PACKAGE, version=version(PROBE_PACKAGE))
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - fixed https URL
            body = json.load(answer)
    except Exception as error:  # any failure to reach or read it: no advisories
        return f"advisory source {url} unreachable: {type(error).__name__}: {error}"
    if not isinstance(body, dict) or "vulnerabilities" not in body:
        return f"advisory source {url} answered without advisory data (a mirror?)"
    return None


def test_no_installed_dependency_has_a_known_vulnerability():
    reason = _advisories_unreachable()
    if reason is not None:
        pytest.skip(reason)
    done = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off",
         "--format", "json"], capture_output=True, text=True, timeout=900)
    assert done.stdout.strip(), done.stderr[-2000:]
    report = json.loads(done.stdout)
    dependencies = report["dependencies"]
    not_audited = [d["name"] for d in dependencies
                   if "skip_reason" in d and "editable" not in d["skip_reason"]]
    if len(not_audited) > len(dependencies) // 2:
        pytest.skip(f"advisory source could not audit {len(not_audited)} of "
                    f"{len(dependencies)} distributions (e.g. {', '.join(not_audited[:3])})")
    found = [f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v['fix_versions']) or 'no release'})"
             for d in dependencies for v in d.get("vulns", [])]
    assert found == [], "known vulnerabilities:\n" + "\n".join(found)
