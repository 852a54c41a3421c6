#!/usr/bin/env python3
"""Cluster health check.

Usage: python3 healthcheck.py STATUS_FILE

STATUS_FILE is JSON: {"cluster": "...", "services": [{"name": "...", "status": "up"}, ...]}

Exit status: 0 when every service is up or degraded, 1 when any service is down,
2 when the status file cannot be read.

NOTE: the requirements ask for exit 0 after any successful report (supervisor) AND exit 1
when a service is down (pager). For a status file with a service down, one invocation
cannot do both: a process has exactly one exit status. This version follows the pager
(down -> 1); the supervisor needs to stop treating 1 as a crash, or the pager needs a
different signal (e.g. a separate flag or output it parses). With this version
test_supervisor_sees_0_after_a_successful_report fails; no program can pass it together
with test_pager_sees_1_when_a_service_is_down.
"""
import json
import sys

HEALTHY = {"up", "degraded"}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: healthcheck.py STATUS_FILE", file=sys.stderr)
        return 2
    path = argv[0]
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        services = data["services"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"healthcheck: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    healthy = True
    for service in services:
        print(f"{service['name']}: {service['status']}")
        if service["status"] not in HEALTHY:
            healthy = False
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
