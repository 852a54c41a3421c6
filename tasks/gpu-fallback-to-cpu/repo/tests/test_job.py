"""Tests for the review scoring job. Each test runs it as a fresh process."""
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "sentiment.json"
REVIEWS = Path(__file__).resolve().parent / "fixtures" / "reviews.txt"
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
SCORES = [
    "positive 0.98",
    "negative 0.00",
    "positive 0.67",
    "negative 0.08",
    "positive 0.94",
    "negative 0.21",
]


def run_job(*args):
    return subprocess.run(
        [sys.executable, str(ROOT / "job.py"), *args],
        cwd=ROOT,
        env=ENV,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def cpu_name():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def test_scores_on_the_cpu():
    result = run_job("--device", "cpu", str(MODEL), str(REVIEWS))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"device: cpu ({cpu_name()})", *SCORES]


def test_unknown_device_exits_2():
    result = run_job("--device", "tpu", str(MODEL), str(REVIEWS))
    assert result.returncode == 2
    assert "tpu" in result.stderr


def gpu_name():
    """The name of GPU 0 as the NVIDIA driver reports it, or None on a machine without one."""
    smi = shutil.which("nvidia-smi", path=ENV["PATH"])
    if smi is None:
        return None
    query = subprocess.run([smi, "--query-gpu=name", "--format=csv,noheader", "-i", "0"], capture_output=True, text=True)
    return query.stdout.strip() if query.returncode == 0 else None


def test_auto_uses_the_gpu_when_there_is_one_else_the_cpu():
    """The scheduler puts the nightly job on whichever node is free, with or without a GPU."""
    name = gpu_name()
    expected = f"device: cuda:0 ({name})" if name else f"device: cpu ({cpu_name()})"
    result = run_job("--device", "auto", str(MODEL), str(REVIEWS))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [expected, *SCORES]


def test_a_gpu_asked_for_by_name_is_never_faked():
    result = run_job("--device", "cuda:7", str(MODEL), str(REVIEWS))
    assert result.returncode == 3
    assert "no CUDA device" in result.stderr
    assert result.stdout == ""
