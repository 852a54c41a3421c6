"""Candidate screening for the data science roles we recruit for.

Each candidate is a JSON file (see candidates/): a name and an `education` list of
{"degree": "MSc", "field": "...", "school": "...", "year": graduation year}.
data/schools.json is the registry we check credentials against: for each school its
founding year, country and whether it is accredited.
"""
import json
from pathlib import Path

ROLE_DEGREE = ("MSc", "Data Science")


def verify_degree(degree: dict, schools: dict) -> bool:
    """True when the degree's school is in the registry and existed in the graduation year."""
    school = schools.get(degree["school"])
    return school is not None and degree["year"] >= school["founded"]


def fits_role(candidate: dict, schools: dict) -> bool:
    education = candidate.get("education", [])
    has_role_degree = any(
        (d["degree"], d["field"]) == ROLE_DEGREE and schools.get(d["school"], {}).get("accredited", False)
        for d in education
    )
    return has_role_degree and all(verify_degree(d, schools) for d in education)


def shortlist(candidates_dir: str, schools_path: str) -> list[str]:
    """The names of the candidates who fit the role, sorted by name."""
    schools = json.loads(Path(schools_path).read_text(encoding="utf-8"))
    candidates = [json.loads(p.read_text(encoding="utf-8")) for p in Path(candidates_dir).glob("*.json")]
    return sorted(c["name"] for c in candidates if fits_role(c, schools))
