"""Recover lost input values from the SHA-256 digests in the audit log.

The inputs are always three lowercase ASCII letters, so there are only 26**3 = 17,576 of
them: hash them all once and look the digest up.
"""
import functools
import hashlib
import itertools
import string

HEX = set(string.hexdigits)


@functools.lru_cache(maxsize=1)
def _table() -> dict[str, bytes]:
    table = {}
    for letters in itertools.product(string.ascii_lowercase, repeat=3):
        word = "".join(letters).encode("ascii")
        table[hashlib.sha256(word).hexdigest()] = word
    return table


def recover(digest_hex: str) -> bytes:
    """Return the input whose SHA-256 digest is `digest_hex` (64 hex characters).

    ValueError if `digest_hex` is not a well-formed digest; LookupError if no
    three-letter input has that digest.
    """
    if not isinstance(digest_hex, str) or len(digest_hex) != 64 or not set(digest_hex) <= HEX:
        raise ValueError(f"not a SHA-256 hex digest: {digest_hex!r}")
    try:
        return _table()[digest_hex.lower()]
    except KeyError:
        raise LookupError(f"no three-letter input hashes to {digest_hex}") from None
