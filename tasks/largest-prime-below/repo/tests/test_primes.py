"""Tests for primes.is_prime and primes.largest_prime_below."""
import pytest

from primes import is_prime, largest_prime_below


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


@pytest.mark.parametrize(
    "n, expected",
    [
        (3, 2),
        (4, 3),
        (100, 97),
        (10**6, 999983),
        (2**61, 2**61 - 1),
        (10**18, 10**18 - 11),
    ],
)
def test_known_values(n, expected):
    assert largest_prime_below(n) == expected


@pytest.mark.parametrize("n", [10**9, 2**61 - 1, 2**64, 10**20])
def test_largest_prime_below(n):
    p = largest_prime_below(n)
    assert type(p) is int
    assert p < n
    assert reference_is_prime(p)
    # Walk upward from p: no prime may lie between p and n.
    assert not any(reference_is_prime(q) for q in range(p + 1, n))


def test_there_is_no_prime_below_2():
    with pytest.raises(ValueError):
        largest_prime_below(2)
