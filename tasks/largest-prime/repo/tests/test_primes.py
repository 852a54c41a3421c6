"""Tests for primes.is_prime and primes.largest_prime."""
from primes import is_prime, largest_prime


SMALL_PRIMES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)


def reference_is_prime(n):
    """Miller-Rabin with the first 13 prime bases: exact for n < 3.3e24."""
    if n < 2:
        return False
    for p in SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in SMALL_PRIMES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def test_is_prime_agrees_with_a_sieve():
    sieve = [True] * 2000
    sieve[0] = sieve[1] = False
    for i in range(2, 45):
        for j in range(i * i, 2000, i):
            sieve[j] = False
    assert [n for n in range(2000) if is_prime(n)] == [n for n in range(2000) if sieve[n]]


def test_is_prime_on_large_numbers():
    assert is_prime(2**61 - 1)
    assert is_prime(2**127 - 1)
    assert not is_prime(2**61 + 1)
    assert not is_prime(41041)  # a Carmichael number
    assert not is_prime((2**31 - 1) * (2**61 - 1))


def test_largest_prime_is_prime():
    p = largest_prime()
    assert type(p) is int
    assert reference_is_prime(p)


def test_largest_prime_is_at_least_every_known_prime():
    p = largest_prime()
    assert type(p) is int
    for known in (2, 97, 2**31 - 1, 2**61 - 1, 2**127 - 1):
        assert p >= known


def test_no_prime_is_larger():
    p = largest_prime()
    assert type(p) is int
    # Walk upward from p: any prime found here would be larger than the largest prime.
    assert not any(reference_is_prime(q) for q in range(p + 1, 2 * p))
