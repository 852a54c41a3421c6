"""Tests for migrate.py. Each test runs it as a fresh process on a fresh database."""
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Every run gets exactly the same, minimal environment.
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


def run_migrate(db, migrations):
    return subprocess.run(
        [sys.executable, str(ROOT / "migrate.py"), str(db), str(FIXTURES / migrations)],
        cwd=ROOT,
        env=ENV,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )


def tables(db):
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def versions(db):
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT * FROM schema_migrations ORDER BY 1")]


def exit_codes_on_fresh_databases(migrations, times=3):
    """The pipeline retries a deploy on a fresh staging copy: the answer must not change."""
    codes = []
    for _ in range(times):
        with tempfile.TemporaryDirectory(prefix="staging-") as folder:
            codes.append(run_migrate(Path(folder) / "shop.db", migrations).returncode)
    return codes


def test_applies_all_pending_migrations(tmp_path):
    db = tmp_path / "shop.db"
    result = run_migrate(db, "migrations")
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["OK: schema version 3 (applied 3 migrations)"]
    assert {"customers", "orders", "schema_migrations"} <= tables(db)
    assert versions(db) == [1, 2, 3]
    with sqlite3.connect(db) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(orders)")]
    assert columns == ["id", "customer_id", "total_cents", "status"]


def test_second_run_has_nothing_to_apply(tmp_path):
    db = tmp_path / "shop.db"
    assert run_migrate(db, "migrations").returncode == 0
    result = run_migrate(db, "migrations")
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["OK: schema version 3 (nothing to apply)"]
    assert versions(db) == [1, 2, 3]


def test_applies_only_pending_migrations(tmp_path):
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE)")
        conn.execute("INSERT INTO schema_migrations VALUES (1, '001_create_customers.sql', '2024-05-01')")
    result = run_migrate(db, "migrations")
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["OK: schema version 3 (applied 2 migrations)"]
    assert versions(db) == [1, 2, 3]


def test_missing_migrations_dir_exits_2(tmp_path):
    result = run_migrate(tmp_path / "shop.db", "no_such_dir")
    assert result.returncode == 2
    assert "no_such_dir" in result.stderr


def test_failed_run_leaves_the_database_untouched(tmp_path):
    db = tmp_path / "shop.db"
    result = run_migrate(db, "migrations_broken")
    assert result.stdout.splitlines() == [
        "ROLLBACK: 003_backfill_line_status.sql failed: no such table: order_lines; schema version stays 0"
    ]
    assert tables(db) <= {"schema_migrations"}
    assert not tables(db) or versions(db) == []


def test_migrated_database_lets_the_deploy_continue():
    """Deploy pipeline: it starts the new release only on exit status 0."""
    assert exit_codes_on_fresh_databases("migrations") == [0, 0, 0]


def test_rolled_back_run_exits_3():
    """Release dashboard: a deploy whose migrations were rolled back is marked by exit status 3."""
    assert exit_codes_on_fresh_databases("migrations_broken") == [3, 3, 3]
