"""jobvm: the stack machine our pipeline jobs are written for.

A program is text, one instruction per line; `#` starts a comment; `NAME:` defines a label.

    push N     push the integer N
    pop        drop the top of the stack
    dup        push a copy of the top
    swap       swap the two top values
    add        pop b, pop a, push a + b
    sub        pop b, pop a, push a - b
    jz LABEL   pop a value; jump to LABEL if it is 0
    jmp LABEL  jump to LABEL
    call NAME  call the host function NAME (no arguments) and push the int it returns
    halt       stop

A program halts when it executes `halt`, runs past its last instruction, or hits a runtime
error (a pop from an empty stack, an unknown host function), which also stops it. Every
executed instruction is one step. Host functions are given by the scheduler: plain Python
callables without arguments that return an int and always return the same value.
"""
from dataclasses import dataclass, field
from typing import Callable

OPS_WITH_INT = {"push"}
OPS_WITH_LABEL = {"jz", "jmp"}
OPS_WITH_NAME = {"call"}
OPS_PLAIN = {"pop", "dup", "swap", "add", "sub", "halt"}

Host = dict[str, Callable[[], int]]


class ParseError(ValueError):
    pass


@dataclass(frozen=True)
class Instruction:
    op: str
    arg: int | str | None = None


@dataclass(frozen=True)
class Program:
    code: tuple[Instruction, ...]
    labels: dict[str, int] = field(hash=False)


@dataclass
class Result:
    halted: bool  # False: still running after max_steps
    steps: int
    stack: list[int]
    error: str | None = None


def parse(source: str) -> Program:
    code: list[Instruction] = []
    labels: dict[str, int] = {}
    for number, raw in enumerate(source.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.endswith(":"):
            labels[line[:-1].strip()] = len(code)
            continue
        op, *args = line.split()
        if op in OPS_PLAIN and not args:
            code.append(Instruction(op))
        elif op in OPS_WITH_INT and len(args) == 1:
            try:
                code.append(Instruction(op, int(args[0])))
            except ValueError:
                raise ParseError(f"line {number}: push needs an integer, got {args[0]!r}") from None
        elif op in OPS_WITH_LABEL | OPS_WITH_NAME and len(args) == 1:
            code.append(Instruction(op, args[0]))
        else:
            raise ParseError(f"line {number}: cannot parse {line!r}")
    for ins in code:
        if ins.op in OPS_WITH_LABEL and ins.arg not in labels:
            raise ParseError(f"unknown label {ins.arg!r}")
    return Program(tuple(code), labels)


def step(program: Program, pc: int, stack: list[int], host: Host) -> int | None:
    """Execute the instruction at pc on `stack` (changed in place); the next pc, or None when halted."""
    ins = program.code[pc]
    op = ins.op
    if op == "push":
        stack.append(ins.arg)
    elif op == "pop":
        stack.pop()
    elif op == "dup":
        stack.append(stack[-1])
    elif op == "swap":
        stack[-1], stack[-2] = stack[-2], stack[-1]
    elif op in ("add", "sub"):
        b, a = stack.pop(), stack.pop()
        stack.append(a + b if op == "add" else a - b)
    elif op == "jz":
        if stack.pop() == 0:
            return program.labels[ins.arg]
    elif op == "jmp":
        return program.labels[ins.arg]
    elif op == "call":
        stack.append(int(host[ins.arg]()))
    elif op == "halt":
        return None
    return pc + 1 if pc + 1 < len(program.code) else None


def run(program: Program, host: Host | None = None, max_steps: int = 1_000_000) -> Result:
    """Run from the first instruction for at most max_steps steps."""
    host = host or {}
    stack: list[int] = []
    pc: int | None = 0 if program.code else None
    steps = 0
    while pc is not None:
        if steps == max_steps:
            return Result(False, steps, stack)
        steps += 1
        try:
            pc = step(program, pc, stack, host)
        except (IndexError, KeyError) as exc:
            return Result(True, steps, stack, f"{type(exc).__name__}: {exc}")
    return Result(True, steps, stack)
