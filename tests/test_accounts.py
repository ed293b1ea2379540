"""The accounts database (rag.accounts) on real SQLite and a real PostgreSQL server: users whose passwords and keys are stored
only as argon2 hashes, keys that stop at once, rights per knowledge base, sessions that end,
conversations kept per user, and writers in several threads never locked out."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text

from rag.accounts import (
    ADMIN,
    EVERYONE,
    READ,
    WRITE,
    AccountError,
    Accounts,
    Caller,
    Conversations,
    UnknownConversation,
    open_database,
)
from rag.accounts.schema import STEPS, metadata
from rag.config import Config
from rag.types import Answer, Chunk, Citation

PASSWORD = "秋天的 pässwörd 🍂"


@pytest.fixture(params=["sqlite", "postgresql"])
def accounts(request, tmp_path) -> Accounts:
    """The accounts in SQLite beside the knowledge bases (the default), or in a real PostgreSQL
    server's new database (`database_url`): every behaviour below holds for both."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else ""
    return Accounts.of(Config(knowledge_bases_dir=str(tmp_path / "indexes"), database_url=url))


def database_bytes(tmp_path: Path) -> bytes:
    folder = tmp_path / "indexes"
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.name.startswith("rag.db"))


def test_the_database_is_one_file_beside_the_knowledge_bases_at_the_last_schema_version(tmp_path):
    accounts = Accounts.of(Config(knowledge_bases_dir=str(tmp_path / "indexes")))
    assert (tmp_path / "indexes" / "rag.db").is_file()
    with accounts.engine.connect() as c:
        assert c.execute(text("select version from schema_version")).scalar() == len(STEPS)
        assert c.execute(text("pragma journal_mode")).scalar() == "wal"
    open_database(f"sqlite:///{tmp_path / 'indexes' / 'rag.db'}")  # opening again changes nothing
    accounts.add_user("张三", PASSWORD)
    stored = database_bytes(tmp_path)
    assert "张三".encode() in stored and PASSWORD.encode() not in stored  # the file itself, WAL included


def test_a_postgresql_database_is_brought_to_the_last_schema_version_once(postgres_url):
    open_database(postgres_url)
    engine = open_database(postgres_url)  # opening again changes nothing
    with engine.connect() as c:
        assert c.execute(text("select version from schema_version")).scalar() == len(STEPS)
        assert c.execute(text("select count(*) from schema_version")).scalar() == 1


@pytest.fixture(params=["sqlite", "postgresql"])
def new_url(request, tmp_path) -> str:
    """The URL of a database not yet made (SQLite) or empty (PostgreSQL)."""
    return request.getfixturevalue("postgres_url") if request.param == "postgresql" else f"sqlite:///{tmp_path}/rag.db"


def test_openers_of_a_new_database_at_once_make_its_tables_and_version_once(new_url):
    barrier, failures = threading.Barrier(6), []

    def open_it() -> None:
        barrier.wait()
        try:
            open_database(new_url)
        except Exception as exc:  # "table users already exists", a second version row
            failures.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with open_database(new_url).connect() as c:
        assert not failures and c.execute(text("select version from schema_version")).scalars().all() == [len(STEPS)]


def stored_text(accounts: Accounts) -> str:
    """Every value of every table, as the database holds it."""
    with accounts.engine.connect() as c:
        return " ".join(str(value) for table in metadata.sorted_tables for row in c.execute(select(table)) for value in row)


def test_passwords_and_keys_are_stored_only_as_hashes(accounts):
    accounts.add_user("张三", PASSWORD)
    key = accounts.new_key("张三")
    stored = stored_text(accounts)
    assert PASSWORD not in stored and key not in stored
    assert key.split("-", 2)[2] not in stored  # nor the key's secret part
    assert "$argon2id$" in stored and "张三" in stored


def test_a_password_in_any_script_logs_in_and_a_wrong_one_does_not(accounts):
    accounts.add_user("张三", PASSWORD)
    assert accounts.by_password("张三", PASSWORD) == Caller("张三", admin=False)
    assert accounts.by_password("张三", PASSWORD + " ") is None
    assert accounts.by_password("李四", PASSWORD) is None


def test_a_key_is_the_users_until_they_are_disabled_or_given_a_new_one(accounts):
    accounts.add_user("张三", admin=True)
    first = accounts.new_key("张三")
    assert accounts.by_key(first) == Caller("张三", admin=True)
    second = accounts.new_key("张三")
    assert accounts.by_key(first) is None and accounts.by_key(second) == Caller("张三", admin=True)
    accounts.set_disabled("张三")
    assert accounts.by_key(second) is None
    accounts.set_disabled("张三", False)
    assert accounts.by_key(second) is not None


def test_a_made_up_key_is_no_ones(accounts):
    accounts.add_user("张三")
    key = accounts.new_key("张三")
    assert accounts.by_key(key[:-1] + ("x" if key[-1] != "x" else "y")) is None
    assert accounts.by_key("rag-nothing") is None and accounts.by_key("") is None


def test_write_includes_read_and_a_grant_to_everyone_reaches_every_user(accounts):
    accounts.add_user("张三")
    accounts.add_user("李四")
    zhang, li = Caller("张三"), Caller("李四")
    accounts.grant("张三", "人事", WRITE)
    accounts.grant(EVERYONE, "公告", READ)
    assert accounts.right(zhang, "人事") == WRITE and accounts.right(li, "人事") == ""
    assert accounts.right(li, "公告") == READ
    assert accounts.readable(li, ["default", "人事", "公告"]) == ["公告"]
    assert accounts.right(Caller("管理员", admin=True), "人事") == ADMIN


def test_a_grant_replaces_the_one_before_and_a_revoke_takes_it_away(accounts):
    accounts.add_user("张三")
    accounts.grant("张三", "人事", WRITE)
    accounts.grant("张三", "人事", READ)
    assert accounts.right(Caller("张三"), "人事") == READ
    accounts.revoke("张三", "人事")
    assert accounts.right(Caller("张三"), "人事") == ""


def test_a_deleted_knowledge_base_forgets_its_grants(accounts):
    accounts.add_user("张三")
    accounts.grant("张三", "人事", READ)
    accounts.forget("人事")
    assert accounts.right(Caller("张三"), "人事") == ""  # a new 人事 starts closed


def test_names_and_rights_are_checked(accounts):
    with pytest.raises(AccountError, match="not valid"):
        accounts.add_user("a b")
    accounts.add_user("张三")
    with pytest.raises(AccountError, match="already exists"):
        accounts.add_user("张三")
    with pytest.raises(AccountError, match="right 'own' is not valid"):
        accounts.grant("张三", "人事", "own")
    with pytest.raises(AccountError, match="no user '李四'"):
        accounts.grant("李四", "人事", READ)


def test_a_session_lasts_its_hours_and_ends_with_a_logout_or_a_disabled_user(accounts):
    accounts.add_user("张三", PASSWORD)
    token = accounts.start_session(Caller("张三"), hours=1)
    assert accounts.session(token) == Caller("张三")
    accounts.end_session(token)
    assert accounts.session(token) is None
    assert accounts.session(accounts.start_session(Caller("张三"), hours=-0.01)) is None  # expired
    token = accounts.start_session(Caller("张三"), hours=1)
    accounts.set_disabled("张三")
    assert accounts.session(token) is None


def test_a_session_opened_with_the_servers_key_ends_when_the_server_runs_with_another(accounts):
    token = accounts.start_session(Caller("值班", admin=True), hours=1, key_digest="a" * 64)
    assert accounts.session(token, key_digest="a" * 64) == Caller("值班", admin=True)
    assert accounts.session(token, key_digest="b" * 64) is None and accounts.session(token) is None


def test_the_audit_log_says_who_did_what_newest_first(accounts):
    accounts.add_user("张三", actor="cli")
    accounts.grant("张三", "人事", READ, actor="管理员")
    entries = accounts.audit()
    assert [(e["actor"], e["action"], e["target"], e["detail"]) for e in entries] == [
        ("管理员", "grant", "人事", "张三 read"), ("cli", "user.add", "张三", "")]


def answer(question: str, text: str = "白马村光伏电站今年发电收益二十三万元[1]。") -> Answer:
    chunk = Chunk(id="c1", doc="村务.txt", title="村务公开", section="收益", start=0, end=20,
                  text="白马村光伏电站今年发电收益二十三万元。", index_text="", page=2)
    return Answer(question=question, text=text, refused=False, citations=(Citation(1, chunk, ((0, 19),)),))


def test_a_conversation_keeps_its_turns_with_their_citations_for_its_owner_only(accounts):
    store = Conversations(accounts.engine)
    kept = store.start("张三", "default")
    store.add_turn("张三", kept["id"], answer("白马村光伏电站收益多少？"))
    store.add_turn("张三", kept["id"], answer("那去年呢？", "资料中没有找到相关信息"))
    found = store.get("张三", kept["id"])
    assert found["title"] == "白马村光伏电站收益多少？" and found["turns"] == 2
    assert store.history("张三", kept["id"]) == [("白马村光伏电站收益多少？", "白马村光伏电站今年发电收益二十三万元[1]。"),
                                                ("那去年呢？", "资料中没有找到相关信息")]
    from rag.accounts.conversations import as_answer

    again = as_answer(found["messages"][0])
    assert again.citations[0].chunk.page == 2 and again.citations[0].spans == ((0, 19),)
    with pytest.raises(UnknownConversation):
        store.get("李四", kept["id"])
    assert store.list("李四") == [] and [c["id"] for c in store.list("张三")] == [kept["id"]]


def test_a_conversation_is_renamed_deleted_and_exported_as_markdown_with_its_passages(accounts):
    store = Conversations(accounts.engine)
    kept = store.start("张三", "default")
    store.add_turn("张三", kept["id"], answer("白马村光伏电站收益多少？"))
    assert store.rename("张三", kept["id"], "光伏收益")["title"] == "光伏收益"
    text = store.markdown("张三", kept["id"])
    assert text.startswith("# 光伏收益") and "## 问：白马村光伏电站收益多少？" in text
    assert "[1] 村务公开 · 收益 · 第2页" in text and "> 白马村光伏电站今年发电收益二十三万元。" in text
    store.delete("张三", kept["id"])
    assert store.list("张三") == []


def test_writers_in_many_threads_are_never_locked_out(accounts):
    store = Conversations(accounts.engine)
    accounts.add_user("张三")
    kept = store.start("张三", "default")["id"]
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(15):
                store.add_turn("张三", kept, answer(f"问题{n}-{i}"))
                accounts.record(f"user{n}", "doc.upload", "default", f"{i}.txt")
                accounts.right(Caller("张三"), "default")
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and store.get("张三", kept)["turns"] == 90 and len(accounts.audit(1000)) == 91


def test_a_grant_to_a_group_reaches_its_members_while_they_are_in_it(accounts):
    for name in ("张三", "李四"):
        accounts.add_user(name)
    accounts.join("张三", "财务科")
    accounts.grant("@财务科", "账目", WRITE)
    accounts.grant(EVERYONE, "账目", READ)
    assert accounts.right(Caller("张三"), "账目") == WRITE and accounts.right(Caller("李四"), "账目") == READ
    assert accounts.groups() == {"财务科": ["张三"]}
    accounts.leave("张三", "财务科")
    assert accounts.right(Caller("张三"), "账目") == READ


def test_a_user_name_cannot_pass_for_a_group_or_the_servers_key(accounts):
    with pytest.raises(AccountError, match="leading '@'"):
        accounts.add_user("@财务科")
    with pytest.raises(AccountError, match="--api-key"):
        accounts.add_user("api-key")
