"""Held-out migration folders for migrate.py, never shown to the agent."""
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


def migrate(db, folder):
    return subprocess.run(
        [sys.executable, str(ROOT / "migrate.py"), str(db), str(folder)],
        cwd=ROOT, env=ENV, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
    )


def test_second_of_two_fails(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "010_create_tags.sql").write_text("CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT);\n")
    (folder / "011_bad.sql").write_text("INSERT INTO tags (label) VALUES ('a');\nINSERT INTO nowhere VALUES (1);\n")
    db = tmp_path / "x.db"
    run = migrate(db, folder)
    assert run.returncode == 3
    assert run.stdout.splitlines() == ["ROLLBACK: 011_bad.sql failed: no such table: nowhere; schema version stays 0"]
    with sqlite3.connect(db) as conn:
        names = {n for (n,) in conn.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'table'")}
    assert "tags" not in names


def test_runs_again_after_a_fix(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "020_create_notes.sql").write_text("CREATE TABLE notes (id INTEGER PRIMARY KEY);\n")
    db = tmp_path / "y.db"
    assert migrate(db, folder).returncode == 0
    (folder / "021_add_body.sql").write_text("ALTER TABLE notes ADD COLUMN body TEXT;\n")
    (folder / "022_index.sql").write_text("CREATE INDEX notes_body ON notes(body);\n")
    run = migrate(db, folder)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines() == ["OK: schema version 22 (applied 2 migrations)"]
