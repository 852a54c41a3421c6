"""Tests for the merge gate. Each test runs it as a fresh process, as the CI runner does."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Every run gets exactly the same, minimal environment.
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


def run_gate(fixture):
    return subprocess.run(
        [sys.executable, str(ROOT / "gate.py"), str(FIXTURES / fixture)],
        cwd=ROOT,
        env=ENV,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )


def exit_codes(fixture, times=3):
    """The merge bot re-runs the gate when a pipeline is retried: the answer must not change."""
    return [run_gate(fixture).returncode for _ in range(times)]


def test_summary_line():
    out = run_gate("release_failing.json").stdout.splitlines()
    assert "release/2.4 e52a9f0: 2 passed, 2 failed (1 quarantined), 0 skipped" in out
    assert "FAILED test_checkout_vat" in out
    assert "FAILED test_checkout_slow_bank (quarantined)" in out


def test_unreadable_report_exits_2():
    for fixture in ("no_such_report.json", "not_json.json"):
        result = run_gate(fixture)
        assert result.returncode == 2
        assert fixture in result.stderr


def test_green_feature_branch_merges():
    assert exit_codes("feature_green.json") == [0, 0, 0]


def test_failing_feature_branch_is_held():
    assert exit_codes("feature_failing.json") == [1, 1, 1]


def test_quarantined_failure_does_not_hold_a_merge():
    assert exit_codes("feature_flaky.json") == [0, 0, 0]


def test_release_branch_with_only_quarantined_failures_is_tagged():
    """Release manager: a release is tagged on schedule unless a real (not quarantined) test fails."""
    result = run_gate("release_flaky.json")
    assert "FAILED test_checkout_slow_bank (quarantined)" in result.stdout.splitlines()
    assert exit_codes("release_flaky.json") == [0, 0, 0]


def test_failing_test_blocks_every_branch():
    """QA lead: no branch merges while a test that is not quarantined fails."""
    result = run_gate("release_failing.json")
    assert "FAILED test_checkout_vat" in result.stdout.splitlines()
    assert exit_codes("release_failing.json") == [1, 1, 1]
