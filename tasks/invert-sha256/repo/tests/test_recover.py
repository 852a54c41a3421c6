"""Tests for recover.recover. The inputs were 16 random bytes each (os.urandom(16))."""
from hashlib import sha256

import pytest

from recover import recover

DIGESTS = [
    "1c9ea6df9dfddb4bd86d22a092dd12b7dfb7d7cfc4a81b53d57bd1afda3bd6c7",
    "1a38235f06fbcba821a183c09ca177611e953c48708ed9b542ad05e68359e243",
    "736510a07c110f42cc682b6973c1672f2ed779e94943e84437e62fddfb8c8b23",
    "3459709ebcf83a41cf2f0ff2d66341374b68b21994fb11298f530789a1e67961",
    "45ce96ee2c2f8bbcec192f9cabf98504fd1a04d3a852eced8f60112dc1dfc71e",
]


@pytest.mark.parametrize("digest", DIGESTS)
def test_recovers_the_input(digest):
    data = recover(digest)
    assert type(data) is bytes
    assert sha256(data).hexdigest() == digest


@pytest.mark.parametrize("bad", ["", "not-a-digest", "ab" * 31, "zz" * 32])
def test_rejects_malformed_digests(bad):
    with pytest.raises(ValueError):
        recover(bad)
