"""Tests for the healthcheck CLI. Each test runs it as a fresh process."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Every run gets exactly the same, minimal environment.
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


def run_check(fixture):
    return subprocess.run(
        [sys.executable, str(ROOT / "healthcheck.py"), str(FIXTURES / fixture)],
        cwd=ROOT,
        env=ENV,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )


def exit_codes(fixture, times=3):
    """The supervisor and the pager probe more than once: the answer must not change."""
    return [run_check(fixture).returncode for _ in range(times)]


def test_prints_one_line_per_service():
    out = run_check("one_down.json").stdout.splitlines()
    assert "api: up" in out
    assert "billing: down" in out
    assert "search: up" in out


def test_unreadable_file_exits_2():
    result = run_check("no_such_file.json")
    assert result.returncode == 2
    assert "no_such_file.json" in result.stderr


def test_all_up_exits_0():
    assert exit_codes("all_up.json") == [0, 0, 0]


def test_degraded_service_exits_0():
    assert exit_codes("degraded.json") == [0, 0, 0]


def test_down_service_exits_1():
    assert exit_codes("one_down.json") == [1, 1, 1]
    assert "billing: down" in run_check("one_down.json").stdout.splitlines()
