#!/usr/bin/env python3
"""Schema migrations for the shop's SQLite database.

Usage: python3 migrate.py DATABASE MIGRATIONS_DIR

MIGRATIONS_DIR holds files named NNN_description.sql (see tests/fixtures/migrations/).
Applied migrations are recorded in the table schema_migrations(version, name, applied_at).

Exit status: 0 when every pending migration was applied, 3 when one failed and the run was
rolled back, 2 when the database or the migrations folder cannot be opened.
"""
import re
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path

MIGRATION_NAME = re.compile(r"^(\d+)_[\w-]+\.sql$")


class MigrationFailed(Exception):
    def __init__(self, name: str, error: sqlite3.Error):
        super().__init__(f"{name} failed: {error}")


def pending_migrations(folder: Path, current: int) -> list[tuple[int, Path]]:
    found = []
    for path in folder.iterdir():
        match = MIGRATION_NAME.match(path.name)
        if match and int(match.group(1)) > current:
            found.append((int(match.group(1)), path))
    return sorted(found)


def statements(script: str) -> list[str]:
    """Split a script into complete SQL statements (a ';' inside a string literal stays put)."""
    result, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            result.append(pending.strip())
            pending = ""
    if pending.strip():
        result.append(pending.strip())  # an unterminated last statement; sqlite reports it if it is bad
    return result


def schema_version(conn: sqlite3.Connection) -> int:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)"
    )
    (version,) = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
    return version


def apply_all(conn: sqlite3.Connection, migrations: list[tuple[int, Path]]) -> None:
    """Apply every migration in one transaction; on any error roll everything back."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    conn.execute("BEGIN")
    try:
        for version, path in migrations:
            try:
                for statement in statements(path.read_text(encoding="utf-8")):
                    conn.execute(statement)
            except sqlite3.Error as exc:
                raise MigrationFailed(path.name, exc) from exc
            conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", (version, path.name, now))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: migrate.py DATABASE MIGRATIONS_DIR", file=sys.stderr)
        return 2
    database, folder = argv[0], Path(argv[1])
    if not folder.is_dir():
        print(f"migrate: migrations folder {folder} does not exist", file=sys.stderr)
        return 2
    try:
        conn = sqlite3.connect(database, isolation_level=None)
        current = schema_version(conn)
    except sqlite3.Error as exc:
        print(f"migrate: cannot open database {database}: {exc}", file=sys.stderr)
        return 2
    try:
        migrations = pending_migrations(folder, current)
        if not migrations:
            print(f"OK: schema version {current} (nothing to apply)")
            return 0
        try:
            apply_all(conn, migrations)
        except MigrationFailed as exc:
            print(f"ROLLBACK: {exc}; schema version stays {current}")
            return 3
        print(f"OK: schema version {migrations[-1][0]} (applied {len(migrations)} migrations)")
        return 0
    finally:
        conn.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
