"""The chat page: a thin Gradio shell over one `Rag` pipeline object.

Each browser tab is its own Gradio session: its chat, its conversation history and its settings
live in that session's components and state, so tabs never see each other's conversations. The
pipeline (index, embedder, generator) is shared; questions are answered one at a time because
one generator on a few CPU cores gains nothing from running two at once.

Nothing leaves the machine: analytics off, no share link, no fonts or scripts from a CDN (the CSS
and the small script below are served inline from rag/ui/static/).
"""

# no `from __future__ import annotations`: Gradio finds the `request: gr.Request` parameters of the
# handlers by evaluating their annotations, which must therefore be objects, not strings naming a
# `gr` it cannot see

import functools
import html
import queue
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from sqlalchemy.exc import OperationalError

from rag.accounts.store import failure
from rag.collections import uploads, web
from rag.errors import (
    ConfigError,
    GenerationError,
    LoadError,
    ModelError,
    NoIndexError,
    RagError,
    RagIndexError,
    Stopped,
)
from rag.knowledge import UnknownKnowledgeBase
from rag.types import Answer, Citation
from rag.ui import collection as coll
from rag.ui import conversations as convs
from rag.ui import zh as zh_lines
from rag.ui.bases import as_bases, kb_picker, looked_again, on_create, selector, shown_name
from rag.ui.render import answer_html, error_html, pending_html, stopped_html, streaming_html

STATIC = Path(__file__).resolve().parent / "static"
CONFIRM_DELETE = "(doc, g, kb) => [doc && confirm('从知识库中删除 ' + doc + '？此操作不能撤销。') ? doc : null, g, kb]"
READING = "正在阅读找到的段落，答案核对后显示…"
MAX_EXAMPLES = 3
EXAMPLE_TITLE_CHARS = 30  # a longer title is a sentence, not a name to ask about
MODES = (("生成（模型回答）", "generate"), ("抽取（原文句子，无需模型）", "extract"))


@dataclass(frozen=True)
class Settings:
    """One session's choices in the settings panel."""

    top_k: int
    mode: str
    generator: str
    kb: str = ""  # the knowledge base chosen in the selector ("" on a page over one index)


@dataclass(frozen=True)
class Streamed:
    """One update from the answering thread: a piece of text, the finished answer, an error, or
    (none of these) a tick saying how long it has been working, so a slow model looks alive."""

    text: str = ""
    answer: Answer | None = None
    error: str = ""
    elapsed: float = 0.0
    stopped: bool = False  # the user pressed 停止: the model was let go
    sources: tuple[Citation, ...] = ()  # the passages being read, as soon as they are found


@dataclass(frozen=True)
class Access:
    """What the page asks the server about each request: the knowledge bases as its user may see
    them (rag.accounts.Visible: names, get, may_write, record), the store of kept conversations
    and whose they are, and where to log out. `rag ui` alone: everything, for one person."""

    view: Callable[[Any], Any]
    conversations: Any = None  # rag.accounts.Conversations, or None: nothing is kept
    owner: Callable[[Any], str] = lambda _request: ""
    logout: str = ""  # the logout address, when the page has logins
    sync: Callable[[str], dict | None] = lambda _kb: None  # a watched knowledge base's last sync


class ChatBackend:
    """Answers one question at a time with the session's settings applied to the shared pipeline
    of the session's knowledge base. `run(job)` runs a job in its turn (rag serve passes its answer
    queue, so the page and the API share one model); by default a lock takes turns."""

    def __init__(self, rag: Any, run: Callable[[Callable[[], Answer]], Answer] | None = None):
        self.bases = as_bases(rag)
        self._lock = threading.Lock()
        self._run = run or self._locked
        self._stops: dict[str, threading.Event] = {}  # per browser session: its answer should stop

    def _locked(self, job: Callable[[], Answer]) -> Answer:
        with self._lock:
            return job()

    def ask(
        self,
        question: str,
        history: Sequence[tuple[str, str]],
        settings: Settings,
        on_token: Callable[[str], None],
        session: str = "",
        on_sources: Callable[[Sequence[Citation]], None] | None = None,
        bases: Any = None,
    ) -> Answer:
        stop = self._stops.setdefault(session, threading.Event())  # made by waiting() when it had to wait

        def job() -> Answer:
            rag = (bases or self.bases).get(settings.kb)
            rag.configure(top_k=int(settings.top_k), generator=settings.generator)
            return rag.ask(
                question,
                history=list(history),
                mode=settings.mode,
                on_token=on_token,
                should_stop=stop.is_set,
                on_sources=on_sources,
            )

        try:
            return self._run(job)
        finally:
            if self._stops.get(session) is stop:
                del self._stops[session]

    def waiting(self, session: str = "") -> None:
        """A question of the session waits in the page's queue (another tab is answered): 停止
        pressed meanwhile stops it as soon as its turn comes."""
        self._stops.setdefault(session, threading.Event())

    def stop(self, session: str = "") -> bool:
        """Stop the session's answer (before its turn, or at the model's next piece); False when
        it has none running or waiting."""
        stop = self._stops.get(session)
        if stop is not None:
            stop.set()
        return stop is not None


def stream_answer(ask: Callable[..., Answer], tick_s: float = 1.0) -> Iterator[Streamed]:
    """Run `ask(on_token, on_sources)` in a worker thread and yield the passages it reads, its
    tokens, then its answer or error, with a tick every `tick_s` seconds of silence. Any failure
    becomes an error update: a bad question must never take the server down."""
    updates: queue.Queue[Streamed] = queue.Queue()
    started = time.monotonic()

    def work() -> None:
        try:
            updates.put(
                Streamed(
                    answer=ask(
                        lambda piece: updates.put(Streamed(text=piece)),
                        lambda passages: updates.put(Streamed(sources=tuple(passages))),
                    )
                )
            )
        except Stopped:
            updates.put(Streamed(stopped=True))
        except Exception as exc:  # noqa: BLE001 - shown in the chat
            updates.put(Streamed(error=_problem(exc)))

    threading.Thread(target=work, name="rag-answer", daemon=True).start()
    while True:
        try:
            update = updates.get(timeout=tick_s)
        except queue.Empty:
            update = Streamed(elapsed=time.monotonic() - started)
        yield update
        if update.answer is not None or update.error or update.stopped:
            return


def _session(request: Any) -> str:
    """The browser tab's session (its answers stop together)."""
    return getattr(request, "session_hash", None) or ""


# what kind of trouble our errors are, said in Chinese before their own (English) detail; the
# most specific first
KINDS_ZH = (
    (ModelError, "模型不可用"),
    (GenerationError, "模型生成出错"),
    (RagIndexError, "索引不可用"),
    (LoadError, "文件无法读取"),
    (ConfigError, "设置有误"),
)


def _problem(exc: Exception) -> str:
    """Our errors say what to do, in Chinese on this page where they have it said; anything else
    is a bug, so the operator gets the traceback."""
    zh = getattr(exc, "zh", "")  # NotAllowed, UploadRefused: said for this page's users
    if zh:
        return zh
    if isinstance(exc, NoIndexError):  # a new knowledge base: what to do, not where its folder is
        return coll.EMPTY
    if isinstance(exc, UnknownKnowledgeBase):  # deleted over the API or from another page since it was chosen
        return "这个知识库已不存在（可能已在别处删除），请在上方重新选择知识库"
    if isinstance(exc, OperationalError):  # the accounts database is down: not a bug, one line for the operator
        print(f"rag ui: the accounts database failed: {failure(exc)}", file=sys.stderr)
        return "对话记录库暂时无法连接，请稍后再试"
    if isinstance(exc, RagError):
        kind = next((zh for cls, zh in KINDS_ZH if isinstance(exc, cls)), "")
        detail = zh_lines.line(str(exc)) if isinstance(exc, LoadError) else str(exc)
        return f"{kind}：{detail}" if kind else detail
    traceback.print_exception(exc, file=sys.stderr)
    return f"{type(exc).__name__}: {exc}"


def _kept(handler: Callable) -> Callable:
    """A handler of the kept conversations: with the accounts database down, the page says so in
    Chinese (gr.Error) and the chat goes on, where Gradio would mark the panel 错误 and say no more."""

    @functools.wraps(handler)  # Gradio reads the handler's own signature (its gr.Request) through it
    def guarded(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except OperationalError as exc:
            import gradio as gr

            raise gr.Error(_problem(exc), print_exception=False) from None  # _problem logged it

    return guarded


def _message(role: str, content: str) -> dict[str, str]:
    return {"role": role, "content": content}


def respond(
    backend: ChatBackend,
    question: str,
    chat: list,
    history: tuple,
    settings: Settings,
    session: str = "",
    bases: Any = None,
    on_answer: Callable[[Answer], None] | None = None,
):
    """The chat handler: yields (textbox, chat, history) as the answer streams in; the finished
    answer also goes to `on_answer` (to be kept). `bases`: the knowledge bases as the user sees them."""
    question = (question or "").strip()
    if not question:
        yield "", chat, history
        return
    turn = sum(1 for m in chat if m.get("role") == "assistant") + 1
    chat = list(chat) + [_message("user", html.escape(question)), _message("assistant", pending_html())]
    yield "", chat, history
    text = ""
    sources: tuple[Citation, ...] = ()
    ask = lambda on_token, on_sources: backend.ask(
        question,
        history,
        settings,
        on_token,
        session,  # noqa: E731
        on_sources,
        bases,
    )
    for update in stream_answer(ask):
        if update.stopped:
            shown = stopped_html(text)
        elif update.answer is not None:
            shown = answer_html(update.answer, turn)
            history = tuple(history) + ((question, update.answer.text),)
            if on_answer:
                try:
                    on_answer(update.answer)
                except Exception as exc:  # noqa: BLE001 - the answer is shown all the same
                    shown += error_html(f"这次问答没有保存到“我的对话”：{_problem(exc)}")
        elif update.error:
            shown = error_html(update.error)
        elif update.sources:
            sources = update.sources
            shown = pending_html(READING, sources)
        elif update.text:
            text += update.text
            shown = streaming_html(text, sources)
        elif text:
            continue  # a tick while text is already streaming: nothing new to show
        else:
            shown = pending_html(f"{READING if sources else '检索中…'} {update.elapsed:.0f} s", sources)
        chat = chat[:-1] + [_message("assistant", shown)]  # a new list per update: earlier ones stay as sent
        yield "", chat, history


def example_questions(info: coll.CollectionInfo) -> list[str]:
    """Questions about the knowledge base's own documents, by their titles; none when it has none
    (examples about another collection's documents would only be refused)."""
    titles = [d.title for d in info.documents if d.title and len(d.title) <= EXAMPLE_TITLE_CHARS]
    return [f"《{title}》主要讲了什么？" for title in titles[:MAX_EXAMPLES]]


def _panel(rag: Any, generator: str, sync: dict | None = None):
    """The side panel's documents (and its watched folder's last sync), the delete list and the
    examples, of one knowledge base."""
    import gradio as gr

    info = coll.collection_info(rag, generator, sync)
    examples = [[q] for q in example_questions(info)]
    return (
        coll.collection_html(info),
        gr.update(choices=coll.document_choices(info), value=None),
        gr.update(samples=examples, visible=bool(examples)),
    )


def active_text(kb: str) -> str:
    """The knowledge base the questions and uploads go to, shown beside the question box."""
    return f"当前知识库：**{shown_name(kb)}**（提问和上传都在这里）" if kb else ""


def on_upload(
    rag: Any, files: list | None, generator: str, progress: Any = None, kb: str = "", sync: dict | None = None
):
    """Check, store and index uploaded files into knowledge base `kb` (named in the status);
    yields (status, collection, doc choices, file box)."""
    import gradio as gr

    if not files:
        yield gr.update(), gr.update(), gr.update(), gr.update()
        return
    paths = [getattr(f, "name", f) for f in files]
    into = f"上传到 {shown_name(kb)}：" if kb else ""
    try:
        stored = uploads.store_uploads(paths, rag.config)
        yield f"{into}正在索引 {', '.join(p.name for p in stored)} …", *_panel(rag, generator, sync), gr.update()
        track = coll.ProgressText(progress) if progress else None
        status = into + coll.report_text(uploads.index_uploads(rag, stored, progress=track), stored)
    except Exception as exc:  # noqa: BLE001 - the page reports it; the server stays up
        status = f"⚠ {into}未索引：{_problem(exc)}"
    yield status, *_panel(rag, generator, sync), None


def on_fetch(rag: Any, text: str, generator: str, progress: Any = None, kb: str = "", sync: dict | None = None):
    """Fetch the web pages named in `text` (one address a line) into knowledge base `kb` and index
    them; yields (status, collection, doc choices, examples, address box)."""
    import gradio as gr

    urls = [line.strip() for line in (text or "").splitlines() if line.strip()]
    into = f"上传到 {shown_name(kb)}：" if kb else ""
    if not urls:
        yield "先输入网址（http:// 或 https:// 开头，每行一个）。", gr.update(), gr.update(), gr.update(), gr.update()
        return
    box: str | dict[str, Any]  # cleared, or left as it is (gr.update())
    try:
        yield f"{into}正在抓取 {len(urls)} 个网址 …", *_panel(rag, generator, sync), gr.update()
        crawled, report = web.index_pages(rag, urls, progress=coll.ProgressText(progress) if progress else None)
        skipped = "；".join(f"{url}（{why}）" for url, why in crawled.skipped)
        status = (
            f"{into}网页 保存 {len(crawled.saved)}，未变 {len(crawled.unchanged)}，移除 {len(crawled.removed)}"
            f"；索引 新增 {report.added}，更新 {report.updated}" + (f"；跳过：{skipped}" if skipped else "")
        )
        box = ""
    except Exception as exc:  # noqa: BLE001 - the page reports it; the server stays up
        status, box = f"⚠ {into}未抓取：{_problem(exc)}", gr.update()
    yield status, *_panel(rag, generator, sync), box


def on_switch(
    seen: Any, kb: str, generator: str, conv: str = "", store: Any = None, owner: str = "", sync: dict | None = None
) -> tuple:
    """Another knowledge base: its documents, and a new conversation (follow-ups would mix them),
    unless it is the one the open conversation is over (reopened from the list); (*panel, chat,
    history, conversation)."""
    import gradio as gr

    shown = _panel(seen.get(kb), generator, sync)
    if store is not None and conv and store.get(owner, conv)["knowledge_base"] == kb:
        return *shown, gr.update(), gr.update(), conv
    return *shown, [], (), ""


def on_delete(rag: Any, doc: str | None, generator: str, sync: dict | None = None):
    if not doc:
        return "先在列表中选择要删除的文档。", *_panel(rag, generator, sync)
    try:
        uploads.delete_document(rag, doc)
        status = f"已删除 {doc}"
    except Exception as exc:  # noqa: BLE001
        status = f"⚠ 未删除：{_problem(exc)}"
    return status, *_panel(rag, generator, sync)


@dataclass
class Page:
    """The components the handlers read and write."""

    chat: Any
    question: Any
    send: Any
    stop: Any
    active: Any  # which knowledge base the page asks and uploads to
    examples: Any
    user: Any  # who is logged in, and the way out
    kb: Any
    new_kb: Any
    create: Any
    remembered: Any  # the knowledge base this browser chose last, kept across reloads
    kb_names: Any  # the knowledge bases the selector shows
    kb_clock: Any  # when to look for knowledge bases made or deleted elsewhere
    conversation: Any  # the kept conversation this tab continues ("" = a new one)
    remembered_conversation: Any  # the one this browser had open, reopened after a reload
    conv_group: Any
    conv_pick: Any
    conv_new: Any
    conv_delete: Any
    conv_export: Any
    conv_title: Any
    conv_rename: Any
    collection: Any
    upload: Any
    urls: Any  # web addresses to fetch into the knowledge base
    fetch: Any
    status: Any
    doc_pick: Any
    delete: Any
    top_k: Any
    mode: Any
    generator: Any


def _chat_column(gr) -> dict[str, Any]:
    gr.HTML('<div class="rag-header"><b>文档问答</b><span>回答只依据文档库；点击 [n] 查看出处</span></div>')
    chat = gr.Chatbot(
        elem_id="rag-chat",
        show_label=False,
        height="68vh",
        latex_delimiters=[],
        feedback_options=None,
        buttons=["copy"],
        placeholder="向当前知识库提问：回答只依据其中的文档，并注明出处",
    )
    with gr.Row():
        question = gr.Textbox(
            elem_id="rag-question",
            label="问题",  # hidden, but what a screen reader says (Gradio's default: "Textbox")
            show_label=False,
            scale=8,
            lines=1,
            max_lines=4,
            autofocus=True,
            placeholder="输入问题，回车发送；追问会结合上文",
        )
        send = gr.Button("发送", variant="primary", elem_id="rag-send", scale=1, min_width=80)
        stop = gr.Button("停止", variant="stop", elem_id="rag-stop", scale=1, min_width=80)
    active = gr.Markdown(elem_id="rag-active")
    examples = gr.Examples([["…"]], inputs=[question], label="示例问题", elem_id="rag-examples")
    return dict(chat=chat, question=question, send=send, stop=stop, active=active, examples=examples.dataset)


def _side_panel(gr, config: Any) -> dict[str, Any]:
    collection = gr.HTML(elem_id="rag-collection")
    # no file_types filter: our own check names the file and the accepted types in the status line
    # the accepted types above the box, not as its label: a label covers the box's own 将文件拖放到此处
    gr.Markdown(
        f"上传文件（{' '.join(sorted(uploads.supported_suffixes()))}，每个 ≤ {config.max_file_mb:g} MB）",
        elem_id="rag-upload-note",
    )
    upload = gr.File(show_label=False, file_count="multiple", elem_id="rag-upload", height=120)
    with gr.Row():
        urls = gr.Textbox(
            label="网址",
            show_label=False,
            placeholder="或输入网址（每行一个；网页、站点地图）",
            lines=1,
            max_lines=4,
            scale=3,
            elem_id="rag-urls",
        )
        fetch = gr.Button("抓取", elem_id="rag-fetch", scale=1, min_width=60, size="sm")
    status = gr.Markdown(elem_id="rag-status")
    with gr.Row():
        doc_pick = gr.Dropdown(label="删除文档", choices=[], elem_id="rag-doc-pick", scale=3)
        delete = gr.Button("删除", variant="stop", elem_id="rag-delete", scale=1, min_width=60)
    gr.Markdown("### 设置")
    top_k = gr.Slider(1, 10, step=1, value=config.top_k, label="检索段落数", elem_id="rag-topk")
    mode = gr.Radio(list(MODES), value=config.answer_mode, label="回答方式", elem_id="rag-mode")
    generator = gr.Dropdown(
        coll.installed_generators(config), value=config.generator, label="生成模型", elem_id="rag-generator"
    )
    return dict(
        collection=collection,
        upload=upload,
        urls=urls,
        fetch=fetch,
        status=status,
        doc_pick=doc_pick,
        delete=delete,
        top_k=top_k,
        mode=mode,
        generator=generator,
    )


def user_text(request: Any, access: Access) -> str:
    """Who is logged in, and the way out (in this tab, not a new one)."""
    name = getattr(request, "username", None) or ""
    if not (name and access.logout):
        return ""
    return (
        f'<div class="rag-user">已登录：<b>{html.escape(name)}</b> · '
        f'<a href="{html.escape(access.logout)}" target="_self">退出</a></div>'
    )


GONE = "知识库 {kb} 已不存在（可能已在别处删除），请在上方重新选择知识库"


def writable(seen: Any, kb: str) -> tuple[Any, str]:
    """The pipeline of `kb` when the user may change it, else why not (in Chinese)."""
    if kb not in seen.names():  # deleted from another page or over the API since this one chose it
        return None, GONE.format(kb=kb)
    try:
        return (seen.get(kb, "write") if hasattr(seen, "may_write") else seen.get(kb)), ""
    except RagError as exc:
        return None, _problem(exc)


def _record(seen: Any, action: str, kb: str, detail: str) -> None:
    if hasattr(seen, "record"):
        seen.record(action, kb, detail)


def _no_bases() -> tuple:
    import gradio as gr

    return (
        "当前没有你可以阅读的知识库：请管理员授权（rag users grant）",
        gr.update(value=""),
        gr.update(choices=[], value=None),
        gr.update(samples=[], visible=False),
    )


def _wire(gr, demo, bases: Any, page: Page, history: Any, run: Callable | None, access: Access) -> None:
    backend = ChatBackend(bases, run)
    store = access.conversations
    panel = [page.collection, page.doc_pick, page.examples]

    def ask(q, c, h, k, m, g, kb, conv, request: gr.Request):
        kept: list[Any] = []

        def keep(answer: Answer) -> None:  # before the answer is shown: a reload right after finds it kept
            if store is not None:
                kept.append(convs.keep(store, access.owner(request), conv, kb, answer))

        for shown in respond(
            backend,
            q,
            c,
            h,
            Settings(int(k), m, g, kb or ""),
            _session(request),
            bases=access.view(request),
            on_answer=keep,
        ):
            yield *shown, (kept[-1] if kept else gr.update())

    @_kept
    def refreshed(conv, request: gr.Request):
        """The conversation list and the export of the open one, as they are now."""
        owner = access.owner(request)
        return (
            gr.update(choices=convs.choices(store, owner), value=conv or None),
            convs.export(store, owner, conv) if conv else None,
        )

    def waiting(q, request: gr.Request) -> None:
        if (q or "").strip():
            backend.waiting(_session(request))

    # not queued, and wired before the answer: the page runs a trigger's listeners in order, so the
    # question's stop is registered before it waits for its turn
    for trigger in (page.question.submit, page.send.click):
        trigger(waiting, inputs=[page.question], queue=False)

    chat_io = dict(
        inputs=[page.question, page.chat, history, page.top_k, page.mode, page.generator, page.kb, page.conversation],
        outputs=[page.question, page.chat, history, page.conversation],
        concurrency_limit=1,
        concurrency_id="answer",
    )
    for started in (page.question.submit(ask, **chat_io), page.send.click(ask, **chat_io)):
        if store is not None:
            started.then(refreshed, inputs=[page.conversation], outputs=[page.conv_pick, page.conv_export])

    def stop(request: gr.Request) -> None:
        backend.stop(_session(request))

    page.stop.click(stop, queue=False)  # not queued: it must get through while the answer holds the queue
    # the chat's own 清除 (trash) button clears the page and starts a new conversation (the old one is kept)
    page.chat.clear(
        lambda: ((), "", gr.update(value=None)), outputs=[history, page.conversation, page.conv_pick], queue=False
    )

    def upload_files(files, g, kb, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - Gradio hands its tracker in through this default
        seen = access.view(request)
        rag, problem = writable(seen, kb)
        if problem:
            yield f"⚠ 未上传：{problem}", gr.update(), gr.update(), gr.update(), None
            return
        _record(seen, "doc.upload", kb, ", ".join(Path(getattr(f, "name", f)).name for f in files or []))
        yield from on_upload(rag, files, g, progress, kb=kb if hasattr(bases, "root") else "", sync=access.sync(kb))

    page.upload.upload(
        upload_files,
        inputs=[page.upload, page.generator, page.kb],
        outputs=[page.status, *panel, page.upload],
        concurrency_limit=1,
        concurrency_id="index",
    )

    def fetch_pages(text, g, kb, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - as above
        seen = access.view(request)
        rag, problem = writable(seen, kb)
        if problem:
            yield f"⚠ 未抓取：{problem}", gr.update(), gr.update(), gr.update(), gr.update()
            return
        _record(seen, "urls.add", kb, " ".join((text or "").split()))
        yield from on_fetch(rag, text, g, progress, kb=kb if hasattr(bases, "root") else "", sync=access.sync(kb))

    page.fetch.click(
        fetch_pages,
        inputs=[page.urls, page.generator, page.kb],
        outputs=[page.status, *panel, page.urls],
        concurrency_limit=1,
        concurrency_id="index",
    )

    def delete(doc, g, kb, request: gr.Request):
        seen = access.view(request)
        rag, problem = writable(seen, kb)
        if problem:
            return f"⚠ 未删除：{problem}", gr.update(), gr.update(), gr.update()
        if doc:
            _record(seen, "doc.delete", kb, doc)
        return on_delete(rag, doc, g, access.sync(kb))

    # asked in the browser first: a click on 删除 removes the document from the index at once
    page.delete.click(
        delete,
        inputs=[page.doc_pick, page.generator, page.kb],
        outputs=[page.status, *panel],
        concurrency_id="index",
        js=CONFIRM_DELETE,
    )

    def regenerate(g, kb, request: gr.Request):
        return _panel(access.view(request).get(kb), g, access.sync(kb))

    page.generator.change(regenerate, inputs=[page.generator, page.kb], outputs=panel)

    def switch(g, kb, conv, request: gr.Request):
        if not kb:
            return *(gr.update() for _ in panel), gr.update(), gr.update(), gr.update()
        return on_switch(access.view(request), kb, g, conv, store, access.owner(request), access.sync(kb))

    page.kb.change(
        switch,
        inputs=[page.generator, page.kb, page.conversation],
        outputs=[*panel, page.chat, history, page.conversation],
    )

    def create(name, remembered, request: gr.Request):
        status, chosen, box = on_create(access.view(request), name)
        return status, chosen, box, chosen.get("value", remembered)  # remembered with the answer itself

    page.create.click(
        create,
        inputs=[page.new_kb, page.remembered],
        outputs=[page.status, page.kb, page.new_kb, page.remembered],
        concurrency_id="index",
    )

    def load(g, kb, remembered, remembered_conv, request: gr.Request):
        """A reload shows the knowledge bases the user may read now, the one this browser last
        chose, and the conversation it had open."""
        seen, owner = access.view(request), access.owner(request)
        names = seen.names()
        chat, past, conv = [], (), ""
        try:
            kept = convs.choices(store, owner) if store is not None else []
        except OperationalError as exc:  # the page opens all the same, without the kept conversations
            gr.Warning(_problem(exc))
            kept = []
        if remembered_conv in {i for _, i in kept}:
            kept_chat, kept_history, kept_kb = convs.chat_of(store, owner, remembered_conv)
            if kept_kb in names:
                chat, past, conv, remembered = kept_chat, kept_history, remembered_conv, kept_kb
        chosen = remembered if remembered in names else (kb if kb in names else (names[0] if names else None))
        shown = (active_text(chosen), *_panel(seen.get(chosen), g, access.sync(chosen))) if chosen else _no_bases()
        listed = gr.update(choices=kept, value=conv or None) if store is not None else gr.update()
        return (
            selector(seen, chosen),
            *shown,
            user_text(request, access),
            gr.update(visible=store is not None),
            listed,
            chat,
            past,
            conv,
        )

    demo.load(
        load,
        inputs=[page.generator, page.kb, page.remembered, page.remembered_conversation],
        outputs=[
            page.kb,
            page.active,
            *panel,
            page.user,
            page.conv_group,
            page.conv_pick,
            page.chat,
            history,
            page.conversation,
        ],
    )

    # another page or the API may have created or deleted one since: the page asks again now and
    # then, and when the selector opens
    def listed(kb, shown, request: gr.Request):
        return looked_again(access.view(request), kb, shown)

    for trigger in (page.kb.focus, page.kb_clock.tick):
        trigger(listed, inputs=[page.kb, page.kb_names], outputs=[page.kb, page.kb_names], queue=False)
    page.kb.change(
        lambda kb: (kb, active_text(kb)), inputs=[page.kb], outputs=[page.remembered, page.active], queue=False
    )
    page.conversation.change(
        lambda conv: conv, inputs=[page.conversation], outputs=[page.remembered_conversation], queue=False
    )
    if store is not None:
        _wire_conversations(gr, page, history, access, refreshed)


def _wire_conversations(gr, page: Page, history: Any, access: Access, refreshed: Callable) -> None:
    store = access.conversations
    listing = dict(inputs=[page.conversation], outputs=[page.conv_pick, page.conv_export])

    @_kept
    def reopen(conv, request: gr.Request):
        if not conv:
            return gr.update(), gr.update(), gr.update(), gr.update()
        chat, past, kb = convs.chat_of(store, access.owner(request), conv)
        return chat, past, conv, selector(access.view(request), kb)

    page.conv_pick.input(
        reopen, inputs=[page.conv_pick], outputs=[page.chat, history, page.conversation, page.kb]
    ).then(refreshed, **listing)
    page.conv_new.click(lambda: ([], (), ""), outputs=[page.chat, history, page.conversation], queue=False).then(
        refreshed, **listing
    )

    @_kept
    def remove(conv, request: gr.Request):
        if conv:
            store.delete(access.owner(request), conv)
        return [], (), ""

    page.conv_delete.click(
        remove,
        inputs=[page.conversation],
        outputs=[page.chat, history, page.conversation],
        js="(c) => [c && confirm('删除这个对话？此操作不能撤销。') ? c : '']",
    ).then(refreshed, **listing)

    @_kept
    def rename(conv, title, request: gr.Request):
        if conv and (title or "").strip():
            store.rename(access.owner(request), conv, title)
        return ""

    page.conv_rename.click(rename, inputs=[page.conversation, page.conv_title], outputs=[page.conv_title]).then(
        refreshed, **listing
    )


def build_app(source: Any, start: str = "", run: Callable | None = None, access: Access | None = None):
    """The Blocks page over knowledge bases (rag.knowledge.KnowledgeBases), opened on `start`, or
    over one pipeline object (`Rag` or anything with the same methods). `run(job)` takes the
    page's questions in turn (see ChatBackend); `access` says what each request's user may see
    (by default everything) and where conversations are kept."""
    import gradio as gr

    bases = as_bases(source, start)
    listed = access is None  # a server's page lists only what its user may read: filled when it loads
    access = access or Access(view=lambda _request: bases)
    first = bases.get(start) if start else bases.get(bases.names()[0])
    with gr.Blocks(title="rag · 文档问答", analytics_enabled=False) as demo:
        history = gr.State(())  # per session: (question, answer) pairs for follow-ups
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                chat_parts = _chat_column(gr)
            with gr.Column(scale=1, min_width=300, elem_id="rag-side"):
                user = gr.HTML(elem_id="rag-user")
                gr.Markdown("### 文档库")
                kb_parts = kb_picker(gr, bases, start or bases.names()[0], listed=listed)
                kb_parts["remembered"] = gr.BrowserState("", storage_key="rag-kb")
                conv_parts = convs.panel(gr)
                side_parts = _side_panel(gr, first.config)
        kept = dict(
            conversation=gr.State(""), remembered_conversation=gr.BrowserState("", storage_key="rag-conversation")
        )
        _wire(
            gr,
            demo,
            bases,
            Page(**chat_parts, user=user, **kb_parts, **kept, **conv_parts, **side_parts),
            history,
            run,
            access,
        )
    return demo


def mount_options(config: Any) -> dict[str, Any]:
    """Keywords of the page that keep it local and private, whether launched or mounted."""
    import gradio as gr

    return dict(
        max_file_size=f"{max(1, int(config.max_file_mb))}mb",
        footer_links=[],
        run_history=False,
        enable_monitoring=False,
        mcp_server=False,
        ssr_mode=False,
        pwa=False,
        show_error=False,
        theme=gr.themes.Default(primary_hue="indigo", neutral_hue="slate"),
        css_paths=[STATIC / "ui.css"],
        head=f"<script>{(STATIC / 'ui.js').read_text('utf-8')}</script>",
    )


def launch_options(config: Any, host: str, port: int) -> dict[str, Any]:
    """launch() keywords that keep the page local and private."""
    return dict(server_name=host, server_port=port, share=False, inbrowser=False, quiet=True, **mount_options(config))


def _one_persons(bases: Any) -> Access | None:
    """`rag ui` over knowledge bases keeps its one user's conversations in the accounts database
    beside them, as `rag serve` keeps each user's; over one index folder it keeps none."""
    if not hasattr(bases, "root"):
        return None
    from rag.accounts import Accounts, Conversations

    return Access(view=lambda _request: bases, conversations=Conversations(Accounts.of(bases.config).engine))


def serve(source: Any, host: str = "127.0.0.1", port: int = 7860, block: bool = True, start: str = ""):
    """Start the page; prints its address. Returns the Blocks when `block` is False (tests)."""
    bases = as_bases(source, start)
    demo = build_app(bases, start, access=_one_persons(bases))
    demo.queue(default_concurrency_limit=1)
    config = bases.get(start or bases.names()[0]).config
    demo.launch(prevent_thread_lock=True, **launch_options(config, host, port))
    print(f"rag ui: {demo.local_url}  (index {config.index_dir}; Ctrl-C to stop)", flush=True)
    if not block:
        return demo
    try:
        demo.block_thread()
    finally:
        demo.close()
    return demo
