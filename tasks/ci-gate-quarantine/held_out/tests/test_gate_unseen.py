"""Held-out reports for the merge gate, never shown to the agent."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


def gate(tmp_path, branch, results):
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"branch": branch, "commit": "0c0ffee", "results": results}))
    return subprocess.run(
        [sys.executable, str(ROOT / "gate.py"), str(report)],
        cwd=ROOT, env=ENV, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
    )


def result(name, outcome, quarantined=False):
    return {"name": name, "outcome": outcome, "quarantined": quarantined}


def test_release_with_a_real_failure_is_held(tmp_path):
    run = gate(tmp_path, "release/3.0", [result("test_a", "passed"), result("test_b", "failed"), result("test_c", "skipped")])
    assert run.returncode == 1
    assert run.stdout.splitlines() == ["release/3.0 0c0ffee: 1 passed, 1 failed (0 quarantined), 1 skipped", "FAILED test_b"]


def test_hotfix_with_only_flaky_failures_merges(tmp_path):
    run = gate(tmp_path, "hotfix/login", [result("test_x", "failed", True), result("test_y", "failed", True)])
    assert run.returncode == 0
    assert run.stdout.splitlines()[1:] == ["FAILED test_x (quarantined)", "FAILED test_y (quarantined)"]


def test_empty_report_merges(tmp_path):
    run = gate(tmp_path, "main", [])
    assert run.returncode == 0
    assert run.stdout.splitlines() == ["main 0c0ffee: 0 passed, 0 failed (0 quarantined), 0 skipped"]
