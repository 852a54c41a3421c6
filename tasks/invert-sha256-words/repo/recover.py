"""Recover lost input values from the SHA-256 digests in the audit log."""


def recover(digest_hex: str) -> bytes:
    """Return the input whose SHA-256 digest is `digest_hex` (64 hex characters).

    ValueError if `digest_hex` is not a well-formed digest.
    """
    raise NotImplementedError
