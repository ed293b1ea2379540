"""`rag users` and `rag audit` as an admin uses them: a password from stdin, a key printed once on
stdout (the rest on stderr), tables that line up in Chinese, and one-line errors."""

from __future__ import annotations

import io

import pytest

from rag.cli.main import main


@pytest.fixture
def office(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("RAG_CONFIG", "RAG_KNOWLEDGE_BASES_DIR", "RAG_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "indexes" / "人事").mkdir(parents=True)
    return tmp_path


def run(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["users", *argv] if argv[0] != "audit" else list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_admin_adds_people_groups_rights_and_keys(office, monkeypatch, capsys):
    assert run(monkeypatch, capsys, "add", "王芳", stdin="她的密码\n")[0] == 0
    assert run(monkeypatch, capsys, "join", "王芳", "人事科")[0] == 0
    assert run(monkeypatch, capsys, "grant", "@人事科", "人事", "write")[0] == 0
    code, key, err = run(monkeypatch, capsys, "key", "王芳")
    assert code == 0 and key.startswith("rag-") and key.count("\n") == 1 and "shown once" in err
    _code, table, _err = run(monkeypatch, capsys, "rights")
    assert table.splitlines() == ["knowledge_base  grantee  right", "人事            @人事科  write"]
    _code, listed, _err = run(monkeypatch, capsys, "list")
    assert listed.splitlines()[1].split()[:3] == ["王芳", "set", "set"]
    _code, audit, _err = run(monkeypatch, capsys, "audit", "--limit", "1")
    assert audit.split()[1:4] == ["cli", "user.key", "王芳"]


def test_an_empty_password_and_an_unknown_knowledge_base_are_one_line_errors(office, monkeypatch, capsys):
    code, _out, err = run(monkeypatch, capsys, "add", "李明", stdin="\n")
    assert code == 1 and err.count("\n") == 1 and "--no-password" in err
    run(monkeypatch, capsys, "add", "李明", "--no-password")
    code, _out, err = run(monkeypatch, capsys, "grant", "李明", "财务", "read")
    assert code == 1 and "no knowledge base '财务'" in err and "人事" in err


def test_a_damaged_database_is_a_one_line_error_naming_it(office, monkeypatch, capsys):
    (office / "indexes" / "rag.db").write_bytes(b"this is not a database" * 100)
    code, _out, err = run(monkeypatch, capsys, "list")
    assert code == 1 and err.count("\n") == 1 and "rag.db" in err and "DatabaseError" in err


def test_the_admin_commands_work_on_a_postgresql_database_named_by_the_setting(office, monkeypatch, capsys,
                                                                                postgres_url):
    monkeypatch.setenv("RAG_DATABASE_URL", postgres_url)
    assert run(monkeypatch, capsys, "add", "王芳", stdin="她的密码\n")[0] == 0
    assert run(monkeypatch, capsys, "grant", "王芳", "人事", "read")[0] == 0
    _code, table, _err = run(monkeypatch, capsys, "rights")
    assert table.splitlines()[1].split() == ["人事", "王芳", "read"]
    assert not (office / "indexes" / "rag.db").exists()  # nothing went to SQLite


def test_an_unreachable_database_is_a_one_line_error_without_its_password(office, monkeypatch, capsys):
    monkeypatch.setenv("RAG_DATABASE_URL", "postgresql://rag:hunter2@127.0.0.1:1/rag")
    code, _out, err = run(monkeypatch, capsys, "list")
    assert code == 1 and err.count("\n") == 1 and "127.0.0.1:1" in err and "hunter2" not in err


def test_a_server_whose_database_is_unreachable_stops_at_start_with_one_line(office, monkeypatch, capsys):
    monkeypatch.setenv("RAG_DATABASE_URL", "postgresql://rag:hunter2@127.0.0.1:1/rag")
    code = main(["serve", "--port", "0"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "accounts database" in err and "hunter2" not in err
