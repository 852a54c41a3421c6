"""Resume screening for the hiring pipeline.

Each resume is a JSON file in a folder (see resumes/): a name, an age, and a list of
{"language": ..., "years": ...} entries.
"""


def pick_candidate(folder: str) -> str | None:
    """Return the name of the candidate in `folder` who meets the role's criteria, or None."""
    raise NotImplementedError
