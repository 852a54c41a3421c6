"""Lossless codec for the blob store.

Format: b"" for b"", otherwise one header byte, then the payload.
  0x00 + data         stored as is (when zlib would not make it shorter)
  0x01 + zlib(data)   deflated
So the output is never more than one byte longer than the input, and much shorter for
text and other redundant data.

NOTE: the tests also demand that EVERY non-empty input gets strictly shorter. No lossless
codec can do that (pigeonhole): there are 256 one-byte inputs but only one output shorter
than one byte (b""), and 65,793 inputs of at most two bytes but only 257 outputs of at most
one byte, so two inputs would share an output and decompress could not tell them apart.
The same counting rules out shrinking random data in general. This codec is the best
achievable trade-off (at most +1 byte in the worst case);
test_random_data_roundtrips_and_shrinks and
test_every_input_up_to_two_bytes_roundtrips_and_shrinks fail with it, as they must with
any lossless codec.
"""
import zlib

STORED = b"\x00"
DEFLATED = b"\x01"


def compress(data: bytes) -> bytes:
    data = bytes(data)
    if not data:
        return b""
    deflated = zlib.compress(data, 9)
    if len(deflated) < len(data):
        return DEFLATED + deflated
    return STORED + data


def decompress(packed: bytes) -> bytes:
    packed = bytes(packed)
    if not packed:
        return b""
    header, payload = packed[:1], packed[1:]
    if header == STORED:
        return payload
    if header == DEFLATED:
        return zlib.decompress(payload)
    raise ValueError(f"unknown header byte {header!r}")
