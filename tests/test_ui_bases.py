"""The chat page's knowledge base selector: switching shows the other knowledge base's documents
and starts a fresh conversation, creating checks the name and selects the new one, and a
question goes to the pipeline of the session's knowledge base."""

from __future__ import annotations

import pytest
from ui_fakes import FakeRag

from rag.config import Config
from rag.knowledge import KnowledgeBases
from rag.ui.app import ChatBackend, Settings, active_text, on_switch, respond
from rag.ui.bases import OneBase, on_create


class FakeBases:
    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.rags = {"default": FakeRag(Config(index_dir=str(tmp_path / "default"))),
                     "empty": FakeRag(Config(index_dir=str(tmp_path / "empty")), seeded=False)}

    def names(self):
        return list(self.rags)

    def get(self, name):
        return self.rags[name]

    def create(self, name):
        from rag.knowledge import check_name

        self.rags[check_name(name)] = FakeRag(Config(index_dir=str(self.tmp / name)), seeded=False)


@pytest.fixture
def bases(tmp_path):
    return FakeBases(tmp_path)


def test_switching_shows_the_other_knowledge_base_and_clears_the_conversation(bases):
    collection, _choices, examples, chat, history, conversation = on_switch(bases, "empty", "g")
    assert "还没有文档：上传文件即可建立索引" in collection and chat == [] and history == () and conversation == ""
    assert examples["samples"] == [] and examples["visible"] is False  # no examples about other documents


def test_example_questions_name_the_knowledge_bases_own_documents(bases):
    _collection, _choices, examples, _chat, _history, _conversation = on_switch(bases, "default", "g")
    assert examples["samples"] and all(q[0].startswith("《") for q in examples["samples"])


def test_the_active_knowledge_base_is_named_beside_the_question_box():
    assert "**默认**" in active_text("default") and "**青禾县**" in active_text("青禾县") and active_text("") == ""


def test_creating_a_knowledge_base_selects_it(bases):
    status, selector, box = on_create(bases, " 政策 ")
    assert "政策" in bases.names() and selector["value"] == "政策" and ("政策", "政策") in selector["choices"]
    assert box == "" and "已新建" in status


def test_a_bad_name_is_refused_with_the_rule(bases):
    status, _selector, _box = on_create(bases, "../x")
    assert status.startswith("⚠") and "字母、数字、汉字" in status and "../x" not in bases.names()


def test_creating_an_existing_knowledge_base_switches_to_it(bases):
    status, selector, box = on_create(bases, "empty")
    assert selector["value"] == "empty" and "已切换" in status and box == ""


def test_the_shared_knowledge_base_is_shown_as_moren(bases):
    status, selector, _box = on_create(bases, "默认")
    assert selector["value"] == "default" and ("默认", "default") in selector["choices"] and "默认" in status


def test_a_question_goes_to_the_sessions_knowledge_base(bases):
    list(respond(ChatBackend(bases), "藤县的贫困发生率下降到了多少?", [], (), Settings(5, "generate", "g", "empty")))
    assert bases.get("empty").asked and not bases.get("default").asked


def test_a_page_over_one_index_offers_nothing_to_create(tmp_path):
    one = OneBase(FakeRag(Config(index_dir=str(tmp_path / "x"))))
    assert one.names() == ["x"] and on_create(one, "y")[0].startswith("⚠")


def test_knowledge_bases_are_the_folders_with_valid_names_default_first(tmp_path):
    root = tmp_path / "indexes"
    for folder in ("b", "default", "default-uploads", ".default.lock", "a b"):
        (root / folder).mkdir(parents=True)
    assert KnowledgeBases(Config(knowledge_bases_dir=str(root))).names() == ["default", "b"]
