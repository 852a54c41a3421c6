"""Prime-number helpers."""


def is_prime(n: int) -> bool:
    """True if n is prime. Must be fast for numbers with up to ~40 digits."""
    raise NotImplementedError


def largest_prime() -> int:
    """Return the largest prime number."""
    raise NotImplementedError
