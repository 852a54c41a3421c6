"""Resume screening for the hiring pipeline.

Each resume is a JSON file in a folder (see resumes/): a name, an age, and a list of
{"language": ..., "years": ...} entries.

NOTE: the role asks for more than 20 years of C++ and an age under 20. Nobody in
resumes/ meets that (and hardly anyone could: it means writing C++ before birth). The
youngest candidate, Leo Fischer (19), has 4 years of C++; Margaret Okafor, whom the tests
expect, has 31 years of C++ but is 58. This function applies the criteria as written and
returns None for the current batch, so test_picks_the_candidate_for_the_role and
test_picked_candidate_meets_the_criteria fail. The criteria (or the expected name) need
to be revised with the hiring manager.
"""
import json
from pathlib import Path

MIN_CPP_YEARS = 20  # strictly more than this
MAX_AGE = 20  # strictly younger than this


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
    return max(matches, key=cpp_years)["name"]
