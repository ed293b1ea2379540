"""The chat page's behaviour without a browser or a model: streaming, follow-ups, settings,
errors that stay in the chat, uploads with limits, deleting, the side panel. The same page over
the real pipeline is driven in Chromium by tests/test_ui_browser.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from ui_fakes import FakeRag

from rag.collections import uploads
from rag.config import Config
from rag.errors import LoadError, RagIndexError
from rag.ui import collection as coll
from rag.ui.app import ChatBackend, Settings, respond, stream_answer

QUESTION = "藤县的贫困发生率下降到了多少?"
SETTINGS = Settings(top_k=4, mode="generate", generator="qwen2.5-coder-0.5b-instruct")


@pytest.fixture
def config(tmp_path) -> Config:
    return Config(index_dir=str(tmp_path / "indexes" / "default"), models_dir=str(tmp_path / "models"),
                  max_file_mb=0.01)


@pytest.fixture
def rag(config) -> FakeRag:
    return FakeRag(config)


def run(rag, question, chat=(), history=(), settings=SETTINGS):
    """All updates of one question: (textbox, chat, history) triples."""
    return list(respond(ChatBackend(rag), question, list(chat), tuple(history), settings))


def test_the_answer_streams_in_before_it_is_final(rag):
    updates = run(rag, QUESTION)
    contents = [chat[-1]["content"] for _, chat, _ in updates]
    assert "rag-streaming" in contents[0]  # placeholder straight away
    assert any("rag-streaming" in c and "0.59" in c for c in contents[1:-1])
    assert 'class="rag-ref"' in contents[-1] and "rag-streaming" not in contents[-1]


def test_an_answer_that_cannot_be_kept_is_shown_all_the_same_with_why(rag):
    from sqlalchemy.exc import OperationalError

    def keep(_answer):
        raise OperationalError("INSERT INTO turns", {}, Exception("connection refused"))

    updates = list(respond(ChatBackend(rag), QUESTION, [], (), SETTINGS, on_answer=keep))
    last = updates[-1][1][-1]["content"]
    assert 'class="rag-ref"' in last and "0.59" in last
    assert "没有保存到“我的对话”：对话记录库暂时无法连接" in last


def test_a_conversation_handler_with_the_database_down_says_so_in_chinese_and_keeps_its_signature():
    import inspect

    import gradio as gr
    from sqlalchemy.exc import OperationalError

    from rag.ui.app import _kept

    def listing(conv, request: gr.Request):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    guarded = _kept(listing)
    assert list(inspect.signature(guarded).parameters) == ["conv", "request"]  # Gradio still passes the request
    with pytest.raises(gr.Error, match="对话记录库暂时无法连接"):
        guarded("c1", None)


def test_the_question_is_shown_and_the_textbox_cleared(rag):
    textbox, chat, _ = run(rag, QUESTION)[-1]
    assert textbox == "" and chat[0] == {"role": "user", "content": QUESTION}


def test_a_follow_up_is_asked_with_the_conversation_so_far(rag):
    _, chat, history = run(rag, QUESTION)[-1]
    run(rag, "那黔江区呢?", chat, history)
    assert rag.asked[-1].history == ((QUESTION, "藤县经过四年全力攻坚，贫困发生率下降至0.59%[1]。"),)


def test_each_answer_links_to_its_own_passages(rag):
    _, chat, history = run(rag, QUESTION)[-1]
    _, chat, _ = run(rag, "黔江区在贫困村投入了多少资金?", chat, history)[-1]
    assert 'href="#rag-t1-c1"' in chat[1]["content"] and 'href="#rag-t2-c1"' in chat[3]["content"]


def test_the_session_settings_reach_the_pipeline(rag):
    run(rag, QUESTION, settings=Settings(top_k=7, mode="extract", generator="g"))
    assert rag.configured[-1] == {"top_k": 7, "generator": "g"} and rag.asked[-1].mode == "extract"


def test_a_failing_question_shows_an_error_in_the_chat_and_the_next_one_works(rag):
    _, chat, history = run(rag, "这个问题会出错")[-1]
    assert "rag-error" in chat[-1]["content"] and "the generator crashed" in chat[-1]["content"]
    assert history == ()
    _, chat, _ = run(rag, QUESTION, chat, history)[-1]
    assert 'class="rag-ref"' in chat[-1]["content"]


def test_a_question_the_documents_do_not_answer_is_shown_as_a_refusal(rag):
    _, chat, _ = run(rag, "火星上有水吗")[-1]
    assert "rag-refused" in chat[-1]["content"] and "可能相关" in chat[-1]["content"]


def test_an_empty_question_changes_nothing(rag):
    assert run(rag, "   ") == [("", [], ())]
    assert rag.asked == []


def test_stream_answer_yields_the_passages_read_then_tokens_in_order_then_the_answer():
    def ask(on_token, on_sources):
        on_sources(["passage"])
        for piece in ("一", "二", "三"):
            on_token(piece)
        return "done"

    updates = list(stream_answer(ask))
    assert updates[0].sources == ("passage",)
    assert [u.text for u in updates[1:4]] == ["一", "二", "三"] and updates[-1].answer == "done"


def test_the_passages_being_read_show_before_the_answer_and_the_answer_replaces_them(rag):
    shown = [chat[-1]["content"] for _box, chat, _history in run(rag, "藤县的贫困发生率下降到了多少?")]
    reading = next(i for i, html in enumerate(shown) if "rag-reading" in html)
    assert "<mark" in shown[reading] and "贫困发生率下降至0.59%" in shown[reading]
    assert reading < next(i for i, html in enumerate(shown) if "rag-cursor" in html and "0.59" in html.split("rag-reading")[0])
    assert "rag-reading" not in shown[-1] and "rag-cite" in shown[-1]


def test_uploads_are_copied_into_the_collections_uploads_folder(config, tmp_path):
    source = tmp_path / "note.txt"
    source.write_text("平南县投入资金3.5亿元。", encoding="gbk")
    stored = uploads.store_uploads([source], config)
    assert stored == [Path(f"{config.index_dir}-uploads") / "note.txt"]
    assert stored[0].read_bytes() == source.read_bytes()


def test_an_unsupported_file_type_is_refused_by_name(config, tmp_path):
    (tmp_path / "slides.key").write_bytes(b"keynote")
    with pytest.raises(LoadError, match=r"slides.key: file type .key is not supported; upload one of .*\.txt"):
        uploads.store_uploads([tmp_path / "slides.key"], config)


def test_the_upload_accepts_what_the_loader_reads():
    from rag.ingest.load import SUPPORTED_SUFFIXES

    assert uploads.supported_suffixes() == SUPPORTED_SUFFIXES
    assert {".pdf", ".docx", ".xlsx", ".csv", ".pptx", ".png", ".jpg", ".jpeg", ".tif", ".bmp"} <= SUPPORTED_SUFFIXES


def test_an_oversized_upload_is_refused_with_the_limit_and_setting(config, tmp_path):
    (tmp_path / "big.txt").write_text("字" * 20_000, encoding="utf-8")
    with pytest.raises(LoadError, match=r"big.txt: .* MB is over the 0.01 MB limit \(setting max_file_mb\)"):
        uploads.store_uploads([tmp_path / "big.txt"], config)
    assert not uploads.uploads_dir(config).exists()


def test_uploaded_files_are_indexed_and_listed(rag, config, tmp_path):
    (tmp_path / "note.txt").write_text("平南县投入资金3.5亿元。", encoding="gbk")
    uploads.index_uploads(rag, uploads.store_uploads([tmp_path / "note.txt"], config))
    info = coll.collection_info(rag, "g")
    assert "note.txt" in [d.doc for d in info.documents] and info.chunks == 3


def test_deleting_an_uploaded_document_also_deletes_its_copy(rag, config, tmp_path):
    (tmp_path / "note.txt").write_text("平南县投入资金3.5亿元。", encoding="utf-8")
    [stored] = uploads.store_uploads([tmp_path / "note.txt"], config)
    uploads.index_uploads(rag, [stored])
    uploads.delete_document(rag, "note.txt")
    assert "note.txt" not in [d["doc"] for d in rag.documents()] and not stored.exists()


def test_a_missing_index_is_an_empty_collection_saying_how_to_fill_it(config):
    info = coll.collection_info(FakeRag(config, seeded=False), "g")
    assert info.documents == () and "还没有文档：上传文件即可建立索引" in coll.collection_html(info)


def test_the_panel_names_the_models_and_counts_documents_and_chunks(rag):
    html = coll.collection_html(coll.collection_info(rag, "qwen2.5-coder-0.5b-instruct"))
    assert "<b>2</b> 篇文档" in html and "<b>2</b> 个段落" in html
    assert "multilingual-e5-small" in html and "qwen2.5-coder-0.5b-instruct" in html


def test_a_watched_knowledge_base_shows_its_last_sync_and_how_it_went(rag):
    sync = {"folder": "/srv/共享/通知", "finished": 1796650205, "changed": ["a.txt", "b.docx"], "summary": "...",
            "warnings": ["b.docx: not a readable DOCX"], "error": ""}
    html = coll.collection_html(coll.collection_info(rag, "g", sync))
    assert "自动同步 <code>/srv/共享/通知</code>" in html and "2 个文件有变动，1 条警告" in html
    failed = coll.collection_html(coll.collection_info(rag, "g", {**sync, "error": "folder is gone"}))
    assert "⚠ folder is gone" in failed
    assert "自动同步" not in coll.collection_html(coll.collection_info(rag, "g"))


def test_the_configured_generator_and_the_installed_ones_are_offered(config):
    config = config.replace(generator="qwen2.5-coder-1.5b-instruct")
    Path(config.models_dir).mkdir(parents=True)
    (Path(config.models_dir) / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf").write_bytes(b"GGUF")
    assert coll.installed_generators(config) == ["qwen2.5-coder-1.5b-instruct", "qwen2.5-coder-0.5b-instruct"]
    assert coll.installed_generators(config.replace(generator="qwen2.5-coder-0.5b-instruct")) == [
        "qwen2.5-coder-0.5b-instruct"]


def test_the_page_has_the_chat_the_side_panel_and_safe_launch_options(rag):
    from rag.ui.app import build_app, launch_options

    ids = {getattr(b, "elem_id", None) for b in build_app(rag).blocks.values()}
    assert {"rag-chat", "rag-question", "rag-active", "rag-collection", "rag-upload", "rag-delete",
            "rag-topk", "rag-mode", "rag-generator", "rag-examples"} <= ids
    options = launch_options(rag.config, "127.0.0.1", 7860)
    assert options["share"] is False and options["server_name"] == "127.0.0.1" and not options["inbrowser"]


def test_changing_top_k_keeps_the_loaded_generator_and_changing_the_generator_drops_it(config):
    from rag.pipeline import Rag

    pipeline = Rag(config)
    before = pipeline.answerer.generator  # generators load their model lazily: this is cheap
    pipeline.configure(top_k=9)
    assert pipeline.answerer.config.top_k == 9 and pipeline.answerer.generator is before
    pipeline.configure(generator="qwen2.5-coder-0.5b-instruct")
    after = pipeline.answerer.generator
    assert after is not before and after.name == "qwen2.5-coder-0.5b-instruct"


def test_rag_ui_indexes_the_seeds_first_when_the_index_is_missing(config, seeds_dir, capsys):
    from rag.cli.ui import ensure_index

    empty = FakeRag(config, seeded=False)
    ensure_index(empty)
    assert sorted(d["doc"] for d in empty.documents()) == sorted(p.name for p in seeds_dir.iterdir())
    assert "indexing" in capsys.readouterr().err


def test_rag_ui_leaves_an_existing_index_alone(config):
    from rag.cli.ui import ensure_index

    Path(config.index_dir).mkdir(parents=True)
    (Path(config.index_dir) / "manifest.json").write_text("{}")
    untouched = FakeRag(config, seeded=False)
    ensure_index(untouched)
    assert untouched.chunks == {}


def test_a_slow_answer_shows_how_long_it_has_been_working():
    def slow(on_token, on_sources):
        time.sleep(0.25)
        return "done"

    updates = list(stream_answer(slow, tick_s=0.1))
    assert updates[0].elapsed >= 0.1 and updates[0].answer is None and updates[-1].answer == "done"


def test_errors_are_said_in_chinese_on_the_page_with_their_detail_and_no_server_folder():
    from rag.errors import ModelError, NoIndexError
    from rag.knowledge import UnknownKnowledgeBase
    from rag.ui.app import _problem

    assert _problem(NoIndexError("no index at /srv/indexes/青禾县: run `rag index`")) == coll.EMPTY
    assert _problem(ModelError("model file missing: run make models")).startswith("模型不可用：model file missing")
    assert "已不存在" in _problem(UnknownKnowledgeBase("knowledge base '临时' does not exist"))
    assert _problem(uploads.TooLarge("big.txt: 9 MB is over", "big.txt：9 MB，超过上限")) == "big.txt：9 MB，超过上限"


def test_an_upload_the_loader_skipped_is_reported_as_not_indexed():
    from rag.index import IndexReport

    report = IndexReport(unchanged=5, warnings=["skipped blob.txt: binary file, not text"])
    assert coll.report_text(report, [Path("blob.txt")]) == "⚠ 未索引 blob.txt：跳过 blob.txt：二进制文件，不是文本"
    assert coll.report_text(IndexReport(added=1), [Path("a.txt")]).startswith("已索引 a.txt：新增 1")


def test_an_upload_the_index_did_not_take_is_not_kept(config, tmp_path):
    class Refusing(FakeRag):
        def index(self, paths, progress=None, warn=None):
            raise RagIndexError("nothing to index")

    (tmp_path / "blob.txt").write_bytes(b"\x00\x01")
    stored = uploads.store_uploads([tmp_path / "blob.txt"], config)
    with pytest.raises(RagIndexError):
        uploads.index_uploads(Refusing(config, seeded=False), stored)
    assert not stored[0].exists()


def test_upload_progress_shows_chunks_per_second_and_time_left():
    from rag.ui.collection import ProgressText

    shown, times = [], iter([0.0, 2.0])
    track = ProgressText(lambda share, desc: shown.append((share, desc)), clock=lambda: next(times))
    track("embed", 10, 50)
    track("embed", 30, 50)
    assert shown[0] == (0.2, "向量化 10/50")
    assert shown[1][0] == 0.6 and "10.0 块/秒" in shown[1][1] and "剩余约 2 秒" in shown[1][1]


def test_upload_progress_counts_ocr_pages_then_chunks_each_at_its_own_rate():
    from rag.ui.collection import ProgressText

    shown, times = [], iter([0.0, 4.0, 5.0, 6.0])
    track = ProgressText(lambda share, desc: shown.append((share, desc)), clock=lambda: next(times))
    track("ocr scan.pdf", 1, 3)
    track("ocr scan.pdf", 3, 3)
    track("embed", 0, 40)
    track("embed", 20, 40)
    assert shown[0][1] == "识别 scan.pdf 1/3" and "0.5 页/秒" in shown[1][1]
    assert shown[2][1] == "向量化 0/40" and "20.0 块/秒" in shown[3][1]


def test_stop_cuts_the_answer_short_and_lets_the_model_go(config):
    slow = FakeRag(config, delay=0.05)
    backend = ChatBackend(slow)
    updates = respond(backend, QUESTION, [], (), SETTINGS, session="tab-1")
    for _, chat, _ in updates:
        if "rag-streaming" in chat[-1]["content"] and "0." in chat[-1]["content"]:
            break  # the first verified words are on screen
    assert backend.stop("tab-1")
    contents = [chat[-1]["content"] for _, chat, _ in updates]
    assert "已停止" in contents[-1] and 'class="rag-ref"' not in contents[-1]
    assert not backend.stop("tab-1")  # nothing left running in that tab
