"""Text helpers for the blog engine."""


def slugify(text: str) -> str:
    """Turn a post title into a URL slug, e.g. "Hello, World!" -> "hello-world"."""
    raise NotImplementedError
