"""Tests for recover.recover. The inputs were three lowercase ASCII letters each."""
from hashlib import sha256

import pytest

from recover import recover

DIGESTS = [
    "776cb326ab0cd5f0a974c1b9606044d8485201f2db19cf8e3749bdee5f36e200",
    "7152e6ec048e24fadb1076257daa655ab198bc310e44f5531b5a02e544613d49",
    "10f7127b980b0b06ef157749f8a02cca1c606d22642729dcb2d24dbbf2bf30df",
    "05f514fae7ca5710f9e9289a20a5c9b372af781bfc94dd23d9cb8a044122460f",
    "4a70fe9aa6436e02c2dea340fbd1e352e4ef2d8ce6ca52ad25d4b95471fc8bf2",
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
