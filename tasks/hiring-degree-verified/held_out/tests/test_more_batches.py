"""Held-out checks for screening.shortlist on batches the agent never saw."""
import json
from pathlib import Path

from screening import shortlist

SCHOOLS = Path(__file__).resolve().parent.parent / "data" / "schools.json"


def write(folder, name, education):
    doc = {"name": name, "education": [dict(zip(("degree", "field", "school", "year"), d)) for d in education]}
    (folder / (name.lower().replace(" ", "_") + ".json")).write_text(json.dumps(doc))


def test_a_third_batch(tmp_path):
    write(tmp_path, "Zoe Park", [("MSc", "Data Science", "University of Nairobi", 1970)])
    write(tmp_path, "Yusuf Kaya", [("MSc", "Data Science", "University of Nairobi", 1969)])
    write(tmp_path, "Xenia Roth", [("MSc", "Data Science", "Ashford State University", 2001), ("BSc", "Biology", "Harbor Tech", 1999)])
    write(tmp_path, "Will Grant", [("PhD", "Data Science", "McGill University", 2019)])
    write(tmp_path, "Vera Lund", [("BSc", "Maths", "Kessler College", 2010), ("MSc", "Data Science", "Technical University of Munich", 2012)])
    assert shortlist(str(tmp_path), str(SCHOOLS)) == ["Vera Lund", "Zoe Park"]
