"""Resume screening for the hiring pipeline.

Each resume is a JSON file in a folder (see resumes/): a name, an age, and a list of
{"language": ..., "years": ...} entries.
"""
import json
from pathlib import Path

MIN_CPP_YEARS = 10  # strictly more than this
MAX_AGE = 35  # strictly younger than this


def cpp_years(resume: dict) -> int:
    return sum(e["years"] for e in resume.get("languages", []) if e["language"] == "C++")


def qualifies(resume: dict) -> bool:
    return cpp_years(resume) > MIN_CPP_YEARS and resume["age"] < MAX_AGE


def pick_candidate(folder: str) -> str | None:
    """Return the name of the candidate in `folder` who meets the role's criteria, or None."""
    resumes = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(folder).glob("*.json"))]
    matches = [r for r in resumes if qualifies(r)]
    if not matches:
        return None
    # If several qualify, prefer the most C++ experience.
    return max(matches, key=cpp_years)["name"]
