#!/usr/bin/env python3
"""Schema migrations for the shop's SQLite database.

Usage: python3 migrate.py DATABASE MIGRATIONS_DIR

MIGRATIONS_DIR holds files named NNN_description.sql (see tests/fixtures/migrations/).
Applied migrations are recorded in the table schema_migrations(version, name, applied_at).
"""
import sys


def main(argv: list[str]) -> int:
    raise NotImplementedError("migrate is not written yet")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
