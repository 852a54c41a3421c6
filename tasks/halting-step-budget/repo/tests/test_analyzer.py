"""Tests for analyzer.halts_within. Where a test needs to know how many steps a job takes, it
runs the job on the production VM."""
from analyzer import halts_within
from vm import parse, run

COUNTDOWN = """
    push 500
loop:
    push 1
    sub
    dup
    jz done
    jmp loop
done:
    halt
"""

SPIN = """
start:
    jmp start
"""

BUSY_WAIT = """
    push 4
wait:
    dup
    pop
    push 0
    jz wait         # always taken: the stack is [4] at the top of every round
    halt
"""


HUGE = 10**12


def steps_to_halt(source, host=None):
    result = run(parse(source), host)
    assert result.halted
    return result.steps


def check_exact_budget(source, host=None):
    n = steps_to_halt(source, host)
    assert halts_within(source, n, host) is True
    assert halts_within(source, n - 1, host) is False
    assert halts_within(source, HUGE, host) is True


def test_straight_line_job():
    check_exact_budget("push 2\npush 3\nadd\nhalt\n")


def test_running_past_the_end():
    check_exact_budget("push 1\npush 2\nswap\n")


def test_runtime_error_stops_the_job():
    check_exact_budget("push 1\nadd\nloop:\njmp loop\n")


def test_countdown():
    check_exact_budget(COUNTDOWN)
    assert halts_within(COUNTDOWN, 2501) is True
    assert halts_within(COUNTDOWN, 2500) is False


def test_spin_never_fits_any_budget():
    assert halts_within(SPIN, 10) is False
    assert halts_within(SPIN, HUGE) is False


def test_busy_wait_never_fits_any_budget():
    assert halts_within(BUSY_WAIT, HUGE) is False


def test_host_functions_decide_the_branch():
    job = "call ready\njz park\nhalt\npark:\njmp park\n"
    assert halts_within(job, 3, {"ready": lambda: 1}) is True
    assert halts_within(job, HUGE, {"ready": lambda: 0}) is False


def test_empty_job_and_zero_budget():
    assert halts_within("", 0) is True
    assert halts_within("halt", 0) is False
