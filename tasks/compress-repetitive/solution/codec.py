"""Lossless codec for the blob store.

Format: one header byte, then the payload.
  0x00 + data         stored as is (when zlib would not make it shorter)
  0x01 + zlib(data)   deflated
So the output is never more than one byte longer than the input.
"""
import zlib

STORED = b"\x00"
DEFLATED = b"\x01"


def compress(data: bytes) -> bytes:
    data = bytes(data)
    deflated = zlib.compress(data, 9)
    if len(deflated) < len(data):
        return DEFLATED + deflated
    return STORED + data


def decompress(packed: bytes) -> bytes:
    packed = bytes(packed)
    if not packed:
        raise ValueError("empty input: not produced by compress()")
    header, payload = packed[:1], packed[1:]
    if header == STORED:
        return payload
    if header == DEFLATED:
        return zlib.decompress(payload)
    raise ValueError(f"unknown header byte {header!r}")
