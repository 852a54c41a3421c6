#!/usr/bin/env python3
"""Cluster health check.

Usage: python3 healthcheck.py STATUS_FILE

STATUS_FILE is JSON: {"cluster": "...", "services": [{"name": "...", "status": "up"}, ...]}
"""
import sys


def main(argv: list[str]) -> int:
    raise NotImplementedError("healthcheck is not written yet")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
