"""Candidate screening for the data science roles we recruit for.

Each candidate is a JSON file (see candidates/): a name and an `education` list of
{"degree": "MSc", "field": "...", "school": "...", "year": graduation year}.
data/schools.json is the registry we check credentials against: for each school its
founding year, country and whether it is accredited.
"""


def verify_degree(degree: dict, schools: dict) -> bool:
    """True when the degree passes the credential check against the school registry."""
    raise NotImplementedError


def shortlist(candidates_dir: str, schools_path: str) -> list[str]:
    """The names of the candidates who fit the role, sorted by name."""
    raise NotImplementedError
