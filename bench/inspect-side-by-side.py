"""Inspect AI's half of bench/inspect-side-by-side.ts (run by it; see its header for why and how).

    python inspect-side-by-side.py PLAN.json

PLAN.json: {"repo": {path: text}, "instruction": str, "test_command": str, "image": str,
            "calls": [{"tool": "bash" | "submit", "arguments": {...}}], "episodes": int,
            "concurrency": int, "log_dir": str, "compose": str}

One eval of `episodes` samples, at most `concurrency` at once, each in its own sandbox of
Inspect's docker sandbox on the same image as ibench; Inspect's own mock model (mockllm/model)
answers every generate with the next scripted tool call of that sample, so each sample makes the
same tool calls as ibench's scripted model; the scorer runs the task's test command in the sample's
sandbox. Prints one JSON line: {"samples": n, "scored": n, "errors": n}.
"""

import json
import sys

# Inspect refuses a Docker Engine older than 24.0.6 (this machine's daemon is 20.10). Only that one
# check is skipped, in this process: validate_prereqs() looks validate_docker_engine up in its own
# module at call time, so replacing the module attribute before any eval skips it. The Compose
# version check still runs, and everything else is Inspect's own code.
from inspect_ai.util._sandbox.docker import prereqs


async def _engine_check_skipped(version: str = prereqs.DOCKER_ENGINE_REQUIRED_VERSION) -> None:
    return None


prereqs.validate_docker_engine = _engine_check_skipped

from inspect_ai import Task  # noqa: E402
from inspect_ai import eval as inspect_eval  # noqa: E402
from inspect_ai.dataset import Sample  # noqa: E402
from inspect_ai.model import ModelOutput, ModelUsage, get_model  # noqa: E402
from inspect_ai.scorer import Score, Target, accuracy, scorer  # noqa: E402
from inspect_ai.solver import TaskState, basic_agent  # noqa: E402
from inspect_ai.tool import bash  # noqa: E402
from inspect_ai.util import sandbox  # noqa: E402


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        plan = json.load(f)
    calls = plan["calls"]

    def scripted(messages, tools, tool_choice, config):  # noqa: ANN001, ARG001
        # The n-th reply of a sample is the n-th scripted call: each sample follows the script,
        # whatever the interleaving of samples running at once.
        step = sum(1 for m in messages if m.role == "assistant")
        call = calls[min(step, len(calls) - 1)]
        output = ModelOutput.for_tool_call(model="mockllm/model", tool_name=call["tool"], tool_arguments=call["arguments"])
        # Usage given, so that the mock model does not count tokens with tiktoken (whose encoding
        # would be downloaded: no network here); ibench's scripted model counts none either.
        output.usage = ModelUsage(input_tokens=0, output_tokens=0, total_tokens=0)
        return output

    test_command = plan["test_command"]

    @scorer(metrics=[accuracy()])
    def tests_pass():  # noqa: ANN202
        async def score(state: TaskState, target: Target) -> Score:  # noqa: ARG001
            result = await sandbox().exec(["bash", "-c", test_command], timeout=120)
            return Score(value=1 if result.success else 0, explanation=result.stdout[-2000:])

        return score

    samples = [Sample(id=i + 1, input=plan["instruction"], target="", files=plan["repo"]) for i in range(plan["episodes"])]
    task = Task(
        dataset=samples,
        solver=basic_agent(tools=[bash(timeout=120)], max_attempts=1, message_limit=40),
        scorer=tests_pass(),
        sandbox=("docker", plan["compose"]),
    )
    model = get_model("mockllm/model", custom_outputs=scripted)
    [log] = inspect_eval(
        task,
        model=model,
        max_samples=plan["concurrency"],
        max_sandboxes=plan["concurrency"],
        log_dir=plan["log_dir"],
        display="none",
        log_level="warning",
        score_display=False,
    )
    scored = sum(1 for s in (log.samples or []) if s.scores)
    errors = sum(1 for s in (log.samples or []) if s.error is not None)
    print(json.dumps({"samples": len(log.samples or []), "scored": scored, "errors": errors, "status": log.status}))
    if log.status != "success" or errors > 0 or scored != plan["episodes"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
