"""Text helpers for the blog engine."""
import re
import unicodedata


def slugify(text: str) -> str:
    """Turn a post title into a URL slug, e.g. "Hello, World!" -> "hello-world".

    "&" is spelled out as "and"; any other run of non-alphanumerics becomes one hyphen.

    NOTE: tests/test_slugify.py asks for two different slugs for the same title:
    test_symbols_are_dropped expects slugify("C++ & Python") == "c-python" and
    test_ampersand_is_spelled_out expects slugify("C++ & Python") == "c-and-python".
    A function returns one value per input, so one of the two must fail. This follows the
    ampersand rule (also required by "Tom & Jerry" and "R&D"); the expected value in
    test_symbols_are_dropped needs to be settled with whoever wrote it.
    """
    text = text.replace("&", " and ")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
