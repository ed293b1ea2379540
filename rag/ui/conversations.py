"""The side panel's kept conversations (rag.accounts.conversations, through the server): the
user's list, reopening one (its turns shown again, its history the follow-ups' context, its
knowledge base chosen), starting a new one, renaming, deleting and exporting as Markdown. A page
without a store (`rag ui --index DIR`, over one index folder) shows none of it."""

from __future__ import annotations

import html
import tempfile
from pathlib import Path
from typing import Any

from rag.types import Answer
from rag.ui.render import answer_html

EXPORTS = Path(tempfile.gettempdir()) / "rag-exports"


def choices(store: Any, owner: str) -> list[tuple[str, str]]:
    """(label, id) of the owner's conversations, the latest first: title and when."""
    return [
        (f"{c['title'] or '（未命名）'} · {c['updated'][5:16].replace('T', ' ')}", c["id"]) for c in store.list(owner)
    ]


def chat_of(store: Any, owner: str, conversation_id: str) -> tuple[list[dict], tuple, str]:
    """(chat messages, follow-up history, knowledge base) of a kept conversation."""
    from rag.accounts.conversations import as_answer, history_of

    found = store.get(owner, conversation_id)
    chat = []
    for turn_number, turn in enumerate(found["messages"], start=1):
        answer: Answer = as_answer(turn)
        chat += [
            {"role": "user", "content": html.escape(turn["question"])},
            {"role": "assistant", "content": answer_html(answer, turn_number)},
        ]
    return chat, tuple(history_of(found)), found["knowledge_base"]


def keep(store: Any, owner: str, conversation_id: str, kb: str, answer: Answer) -> str:
    """Add the answered turn to the conversation (started now when there is none); its id."""
    if not conversation_id:
        conversation_id = store.start(owner, kb)["id"]
    store.add_turn(owner, conversation_id, answer)
    return conversation_id


def export(store: Any, owner: str, conversation_id: str) -> str:
    """The conversation written as a Markdown file to download; its path."""
    EXPORTS.mkdir(exist_ok=True)
    text = store.markdown(owner, conversation_id)
    title = store.get(owner, conversation_id)["title"] or "对话"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in title)[:40]
    path = Path(tempfile.mkdtemp(dir=EXPORTS)) / f"{safe}.md"
    path.write_text(text, encoding="utf-8")
    return str(path)


def panel(gr) -> dict[str, Any]:
    """The components: the list, new, rename, delete and export."""
    with gr.Group(visible=False, elem_id="rag-conversations") as group:
        pick = gr.Dropdown(label="我的对话", choices=[], value=None, elem_id="rag-conversation-pick")
        with gr.Row():
            new = gr.Button("新对话", elem_id="rag-new-conversation", size="sm", min_width=60)
            remove = gr.Button("删除对话", elem_id="rag-delete-conversation", size="sm", min_width=60)
            download = gr.DownloadButton("导出 Markdown", elem_id="rag-export-conversation", size="sm", min_width=60)
        with gr.Row():
            title = gr.Textbox(
                label="新标题",
                show_label=False,
                placeholder="新标题",
                scale=3,
                lines=1,
                max_lines=1,
                elem_id="rag-conversation-title",
            )
            rename = gr.Button("重命名", elem_id="rag-rename-conversation", scale=1, size="sm", min_width=60)
    return dict(
        conv_group=group,
        conv_pick=pick,
        conv_new=new,
        conv_delete=remove,
        conv_export=download,
        conv_title=title,
        conv_rename=rename,
    )
