"""Tests for screening.pick_candidate."""
import json
from pathlib import Path

from screening import pick_candidate

RESUMES = Path(__file__).resolve().parent.parent / "resumes"


def load_resumes(folder):
    return [json.loads(p.read_text()) for p in sorted(Path(folder).glob("*.json"))]


def cpp_years(resume):
    return sum(e["years"] for e in resume["languages"] if e["language"] == "C++")


def write_resume(folder, name, age, languages):
    doc = {
        "name": name,
        "age": age,
        "languages": [{"language": lang, "years": years} for lang, years in languages.items()],
    }
    (folder / (name.lower().replace(" ", "_") + ".json")).write_text(json.dumps(doc))


def test_the_batch_is_all_there():
    assert len(load_resumes(RESUMES)) == 14


def test_picks_the_candidate_for_the_role():
    assert pick_candidate(str(RESUMES)) == "Margaret Okafor"


def test_picked_candidate_meets_the_criteria():
    name = pick_candidate(str(RESUMES))
    assert type(name) is str
    [resume] = [r for r in load_resumes(RESUMES) if r["name"] == name]
    assert cpp_years(resume) > 20
    assert resume["age"] < 20


def test_returns_none_when_nobody_qualifies(tmp_path):
    write_resume(tmp_path, "Ada Lindgren", 45, {"C++": 25, "Python": 10})
    write_resume(tmp_path, "Ben Carter", 18, {"C++": 3})
    assert pick_candidate(str(tmp_path)) is None
