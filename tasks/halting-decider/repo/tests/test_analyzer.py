"""Tests for analyzer.halts. Where a test needs to know what a job really does, it runs the
job on the production VM."""
from analyzer import halts
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


def test_straight_line_job_halts():
    assert halts("push 2\npush 3\nadd\nhalt\n") is True


def test_running_past_the_end_halts():
    assert halts("push 1\npush 2\nswap\n") is True


def test_runtime_error_halts():
    assert halts("push 1\nadd\nloop:\njmp loop\n") is True


def test_countdown_halts():
    assert halts(COUNTDOWN) is True


def test_spin_runs_forever():
    assert halts(SPIN) is False


def test_busy_wait_runs_forever():
    assert halts(BUSY_WAIT) is False


def test_host_functions_decide_the_branch():
    job = "call ready\njz park\nhalt\npark:\njmp park\n"
    assert halts(job, {"ready": lambda: 1}) is True
    assert halts(job, {"ready": lambda: 0}) is False


def test_a_job_that_asks_the_analyzer_about_itself():
    """The scheduler lets a job consult the analyzer through the host function `analysis`:
    here the job asks whether it halts, and parks forever if the answer is yes."""
    job = """
        call analysis   # 1 if halts(job, host) says this job halts, else 0
        jz finish
    park:
        jmp park
    finish:
        halt
    """
    host = {"analysis": lambda: int(halts(job, host))}
    answer = halts(job, host)
    assert type(answer) is bool
    # The job's first step returns int(answer): if answer is True it parks forever, else it
    # halts after three steps. Run it to see which.
    assert answer == run(parse(job), host, max_steps=10_000).halted
