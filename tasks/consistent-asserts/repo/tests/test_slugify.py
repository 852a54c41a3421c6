"""Tests for textutils.slugify."""
import pytest

from textutils import slugify


def check(text, expected):
    result = slugify(text)
    assert type(result) is str
    assert result == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hello World", "hello-world"),
        ("Hello, World!", "hello-world"),
        ("Top 10 Tips for 2024", "top-10-tips-for-2024"),
        ("already-a-slug", "already-a-slug"),
    ],
)
def test_basic_titles(text, expected):
    check(text, expected)


def test_surrounding_junk_is_trimmed():
    check("  --Hello--  ", "hello")
    check("...and then?", "and-then")


def test_accents_are_folded_to_ascii():
    check("Crème Brûlée", "creme-brulee")
    check("Ångström Über Café", "angstrom-uber-cafe")


def test_nothing_left_gives_empty_slug():
    check("", "")
    check("!!! ???", "")


def test_symbols_are_dropped():
    """Runs of symbols and spaces collapse to a single hyphen."""
    check("a  --  b", "a-b")
    check("C++ / Python!", "c-python")


def test_ampersand_is_spelled_out():
    check("Tom & Jerry", "tom-and-jerry")
    check("R&D", "r-and-d")
    check("C++ & Python", "c-and-python")
