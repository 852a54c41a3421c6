"""Held-out reviews for the scoring job, never shown to the agent."""
import json
import math
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


def test_other_reviews_and_model(tmp_path):
    model = {"name": "tiny", "bias": 0.3, "weights": {"meh": -0.9, "wow": 2.0, "isn't": -1.2}}
    reviews = ["Wow. WOW!", "meh, isn't great", "", "nothing to say"]
    (tmp_path / "m.json").write_text(json.dumps(model))
    (tmp_path / "r.txt").write_text("\n".join(reviews) + "\n")
    run = subprocess.run(
        [sys.executable, str(ROOT / "job.py"), "--device", "cpu", str(tmp_path / "m.json"), str(tmp_path / "r.txt")],
        cwd=ROOT, env=ENV, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    expected = []
    for review in reviews:
        score = model["bias"] + sum(model["weights"].get(w, 0.0) for w in re.findall(r"[a-z']+", review.lower()))
        p = 1 / (1 + math.exp(-score))
        expected.append(f"{'positive' if p >= 0.5 else 'negative'} {p:.2f}")
    assert run.stdout.splitlines()[1:] == expected
