#!/usr/bin/env python3
"""CI merge gate.

Usage: python3 gate.py REPORT_FILE

REPORT_FILE is the JSON test report our CI writes after each pipeline (see tests/fixtures/):
{"branch": "...", "commit": "...", "results": [{"name": "...", "outcome": "passed|failed|skipped",
"quarantined": false}, ...]}

Exit status: 0 (merge) when no test that is not quarantined failed, 1 (hold) otherwise,
2 when the report cannot be read.
"""
import json
import sys


def read_report(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    if not isinstance(report, dict) or not isinstance(report.get("results"), list):
        raise ValueError("expected an object with a 'results' list")
    return report


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: gate.py REPORT_FILE", file=sys.stderr)
        return 2
    path = argv[0]
    try:
        report = read_report(path)
    except (OSError, ValueError) as exc:
        print(f"gate: cannot read report {path}: {exc}", file=sys.stderr)
        return 2
    results = report["results"]
    failed = [r for r in results if r["outcome"] == "failed"]
    quarantined = [r for r in failed if r.get("quarantined", False)]
    passed = sum(1 for r in results if r["outcome"] == "passed")
    skipped = sum(1 for r in results if r["outcome"] == "skipped")
    print(
        f"{report.get('branch', '?')} {report.get('commit', '?')}: {passed} passed, "
        f"{len(failed)} failed ({len(quarantined)} quarantined), {skipped} skipped"
    )
    for r in failed:
        print(f"FAILED {r['name']}" + (" (quarantined)" if r.get("quarantined", False) else ""))
    return 1 if len(failed) > len(quarantined) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
