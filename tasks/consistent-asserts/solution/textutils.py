"""Text helpers for the blog engine."""
import re
import unicodedata


def slugify(text: str) -> str:
    """Turn a post title into a URL slug, e.g. "Hello, World!" -> "hello-world"."""
    text = text.replace("&", " and ")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
