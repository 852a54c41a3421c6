"""Held-out jobs for analyzer.halts_within, never shown to the agent."""
from test_analyzer import HUGE, check_exact_budget

from analyzer import halts_within

DOUBLE_COUNTDOWN = """
    push 40
outer:
    push 1
    sub
    dup
    jz done
    push 30
inner:
    push 1
    sub
    dup
    jz next
    jmp inner
next:
    pop
    jmp outer
done:
    halt
"""

LOOPS_AFTER_A_WHILE = """
    push 300
count:
    push 1
    sub
    dup
    jz spin
    jmp count
spin:
    push 9
    pop
    jmp spin
"""


def test_nested_countdown():
    check_exact_budget(DOUBLE_COUNTDOWN)


def test_loops_after_a_while():
    assert halts_within(LOOPS_AFTER_A_WHILE, 5) is False
    assert halts_within(LOOPS_AFTER_A_WHILE, HUGE) is False


def test_host_value_drives_the_count():
    job = "call n\nloop:\npush 1\nsub\ndup\njz end\njmp loop\nend:\n"
    check_exact_budget(job, {"n": lambda: 25})
