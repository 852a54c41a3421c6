"""Prime-number helpers."""

_BASES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)


def is_prime(n: int) -> bool:
    """True if n is prime. Must be fast for numbers with up to ~40 digits.

    Miller-Rabin with the first 13 prime bases: exact below 3.3e24, and a strong
    probable-prime test above that.
    """
    if n < 2:
        return False
    for p in _BASES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in _BASES:
        x = pow(a, d, n)
        if x == 1 or x == n - 1:
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def largest_prime_below(n: int) -> int:
    """Return the largest prime p with p < n; ValueError if there is none."""
    if n <= 2:
        raise ValueError(f"there is no prime below {n}")
    candidate = n - 1
    while not is_prime(candidate):
        candidate -= 1
    return candidate
