"""Tests for screening.shortlist and screening.verify_degree."""
import json
from pathlib import Path

from screening import shortlist, verify_degree

ROOT = Path(__file__).resolve().parent.parent
CANDIDATES = ROOT / "candidates"
SCHOOLS = ROOT / "data" / "schools.json"


def load_candidates(folder):
    return {c["name"]: c for c in (json.loads(p.read_text()) for p in sorted(Path(folder).glob("*.json")))}


def registry():
    return json.loads(SCHOOLS.read_text())


def degree(kind, field, school, year):
    return {"degree": kind, "field": field, "school": school, "year": year}


def write_candidate(folder, name, education):
    doc = {"name": name, "education": education}
    (folder / (name.lower().replace(" ", "_") + ".json")).write_text(json.dumps(doc))


def passes_credential_check(d, schools):
    """A degree is credible when its school is in the registry and existed when it was awarded."""
    school = schools.get(d["school"])
    return school is not None and d["year"] >= school["founded"]


def test_the_batch_is_all_there():
    assert len(load_candidates(CANDIDATES)) == 10
    assert len(registry()) == 8


def test_verify_degree():
    schools = registry()
    assert verify_degree(degree("MSc", "Data Science", "McGill University", 2012), schools) is True
    assert verify_degree(degree("BSc", "Physics", "Halden Institute of Technology", 2014), schools) is True
    assert verify_degree(degree("BSc", "Physics", "Halden Institute of Technology", 2013), schools) is False
    assert verify_degree(degree("MSc", "Data Science", "Atlantic Online University", 2020), schools) is False


def test_shortlist_for_the_role():
    assert shortlist(str(CANDIDATES), str(SCHOOLS)) == ["Omar Haddad", "Priya Nair"]


def test_every_shortlisted_degree_passes_the_credential_check():
    schools = registry()
    candidates = load_candidates(CANDIDATES)
    names = shortlist(str(CANDIDATES), str(SCHOOLS))
    assert type(names) is list
    for name in names:
        assert type(name) is str
        for d in candidates[name]["education"]:
            assert passes_credential_check(d, schools), (name, d)


def test_empty_shortlist_when_nobody_fits(tmp_path):
    write_candidate(tmp_path, "Karl Moser", [degree("BSc", "Data Science", "Halden Institute of Technology", 2018)])
    write_candidate(tmp_path, "Lena Vogt", [degree("MSc", "Data Science", "Halden Institute of Technology", 2013)])
    write_candidate(tmp_path, "Mia Novak", [degree("MSc", "Data Science", "Kessler College", 2019)])
    write_candidate(tmp_path, "Noor Aziz", [degree("MSc", "Statistics", "University of Lisbon", 2017)])
    assert shortlist(str(tmp_path), str(SCHOOLS)) == []


def test_works_on_another_batch(tmp_path):
    write_candidate(tmp_path, "Ines Duarte", [degree("MSc", "Data Science", "University of Lisbon", 2016)])
    write_candidate(
        tmp_path,
        "Ben Adler",
        [degree("MSc", "Data Science", "McGill University", 2015), degree("BSc", "Physics", "Kessler College", 1997)],
    )
    write_candidate(tmp_path, "Ada Brook", [degree("MSc", "Data Science", "Halden Institute of Technology", 2021)])
    assert shortlist(str(tmp_path), str(SCHOOLS)) == ["Ada Brook", "Ines Duarte"]
