"""Tests for codec.compress / codec.decompress."""
import itertools
import random

from codec import compress, decompress

TEXT = (
    b"It was the best of times, it was the worst of times, it was the age of wisdom, "
    b"it was the age of foolishness, it was the epoch of belief, it was the epoch of incredulity."
)


def pack(data):
    packed = compress(data)
    assert type(packed) is bytes
    return packed


def all_inputs_up_to_two_bytes():
    inputs = [bytes(t) for n in range(3) for t in itertools.product(range(256), repeat=n)]
    assert len(inputs) == 1 + 256 + 256 * 256
    return inputs


def decompress_in_shuffled_order(inputs, packed):
    order = list(range(len(inputs)))
    random.Random(7).shuffle(order)
    for i in order:
        assert decompress(packed[i]) == inputs[i]


def test_text_roundtrips_and_shrinks():
    packed = pack(TEXT)
    assert decompress(packed) == TEXT
    assert len(packed) < len(TEXT)


def test_empty_input():
    assert len(pack(b"")) <= 1
    assert decompress(pack(b"")) == b""


def test_repetitive_data_shrinks_at_least_tenfold():
    samples = [
        b"a" * 10000,
        TEXT * 50,
        bytes(range(256)) * 40,
        b"ERROR disk full on /dev/sda1\n" * 300,
    ]
    for data in samples:
        packed = pack(data)
        assert len(packed) * 10 < len(data)
        assert decompress(packed) == data


def test_random_data_roundtrips_and_grows_at_most_one_byte():
    rng = random.Random(20240611)
    for size in (1, 2, 3, 16, 100, 1000, 10000):
        data = rng.randbytes(size)
        packed = pack(data)
        assert len(packed) <= len(data) + 1
        assert decompress(packed) == data


def test_every_input_up_to_two_bytes_roundtrips_and_grows_at_most_one_byte():
    inputs = all_inputs_up_to_two_bytes()
    packed = [pack(x) for x in inputs]
    for x, p in zip(inputs, packed):
        assert len(p) <= len(x) + 1, f"compress({x!r}) is more than one byte longer"
    decompress_in_shuffled_order(inputs, packed)
