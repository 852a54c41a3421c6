"""Prime-number helpers."""


def is_prime(n: int) -> bool:
    """True if n is prime. Must be fast for numbers with up to ~40 digits."""
    raise NotImplementedError


def largest_prime_below(n: int) -> int:
    """Return the largest prime p with p < n; ValueError if there is none."""
    raise NotImplementedError
