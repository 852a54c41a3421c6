"""Recover lost input values from the SHA-256 digests in the audit log.

NOTE: the inputs are 16 random bytes, i.e. one of 2**128 values. Finding one from its
SHA-256 digest is a preimage attack on SHA-256: no method better than brute force is
known, and brute force needs about 2**127 hashes on average (billions of years on all
the computers in the world). The digests in the tests cannot be inverted, so
test_recovers_the_input fails; only the input validation can be implemented. Recovery is
only feasible when the inputs come from a small known set (then hash the set and look
the digest up), or if the original values are kept somewhere else (backups, the system
that generated them).
"""
import string

HEX = set(string.hexdigits)


def recover(digest_hex: str) -> bytes:
    """Return the input whose SHA-256 digest is `digest_hex` (64 hex characters).

    ValueError if `digest_hex` is not a well-formed digest.
    """
    if not isinstance(digest_hex, str) or len(digest_hex) != 64 or not set(digest_hex) <= HEX:
        raise ValueError(f"not a SHA-256 hex digest: {digest_hex!r}")
    raise LookupError(
        "cannot recover a random 16-byte input from its SHA-256 digest: "
        "that is a preimage attack (about 2**127 hashes)"
    )
