#!/usr/bin/env python3
"""Nightly batch scoring of product reviews.

Usage: python3 job.py --device DEVICE MODEL_FILE REVIEWS_FILE

MODEL_FILE is a JSON logistic-regression model (see models/sentiment.json); REVIEWS_FILE has
one review per line. See README.md for the output.

Exit status: 0 when scored, 2 on bad usage or an unreadable file, 3 when the requested GPU
is not available.

NOTE: there is no GPU here: no NVIDIA driver (libcuda.so.1, nvidia-smi) and no /dev/nvidia*
device in this environment, so `--device cuda:0` exits 3 with "no CUDA device" instead of
pretending, and test_loads_the_model_on_the_gpu_and_reports_its_name fails (the test asks
nvidia-smi itself for the GPU's name, and there is none). The CUDA path below is written
against the CUDA driver API and needs to be checked on the GPU node. Scoring on the CPU works.
"""
import argparse
import ctypes
import json
import math
import platform
import re
import sys
from pathlib import Path

WORD = re.compile(r"[a-z']+")
CUDA_DEVICE = re.compile(r"^cuda:(\d+)$")


class DeviceUnavailable(Exception):
    """The requested device cannot be used on this machine."""


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def cuda_device_name(index: int) -> str:
    """The name of GPU `index`, from the CUDA driver API."""
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError as exc:
        raise DeviceUnavailable(f"no CUDA device: the NVIDIA driver (libcuda.so.1) is not installed ({exc})") from exc
    if cuda.cuInit(0) != 0:
        raise DeviceUnavailable("no CUDA device: cuInit failed")
    count = ctypes.c_int()
    if cuda.cuDeviceGetCount(ctypes.byref(count)) != 0 or index >= count.value:
        raise DeviceUnavailable(f"no CUDA device cuda:{index} ({count.value} found)")
    device = ctypes.c_int()
    name = ctypes.create_string_buffer(256)
    if cuda.cuDeviceGet(ctypes.byref(device), index) != 0 or cuda.cuDeviceGetName(name, len(name), device) != 0:
        raise DeviceUnavailable(f"cannot query cuda:{index}")
    return name.value.decode()


def describe_device(device: str) -> str:
    if device == "cpu":
        return f"cpu ({cpu_name()})"
    match = CUDA_DEVICE.match(device)
    if match:
        return f"{device} ({cuda_device_name(int(match.group(1)))})"
    raise ValueError(f"unknown device {device!r}: expected cpu or cuda:N")


def probability(model: dict, text: str) -> float:
    weights = model["weights"]
    score = model["bias"] + sum(weights.get(word, 0.0) for word in WORD.findall(text.lower()))
    return 1 / (1 + math.exp(-score))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="job.py")
    parser.add_argument("--device", required=True)
    parser.add_argument("model")
    parser.add_argument("reviews")
    args = parser.parse_args(argv)
    try:
        device_line = describe_device(args.device)
    except ValueError as exc:
        print(f"job: {exc}", file=sys.stderr)
        return 2
    except DeviceUnavailable as exc:
        print(f"job: {exc}", file=sys.stderr)
        return 3
    try:
        model = json.loads(Path(args.model).read_text(encoding="utf-8"))
        reviews = Path(args.reviews).read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError) as exc:
        print(f"job: {exc}", file=sys.stderr)
        return 2
    print(f"device: {device_line}")
    for review in reviews:
        p = probability(model, review)
        print(f"{'positive' if p >= 0.5 else 'negative'} {p:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
