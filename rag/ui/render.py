"""HTML for the chat: answers with linked [n] markers, cited passages with the supporting span
highlighted, refusals with their possibly related passages, errors.

Pure functions of typed records, so they are tested without a browser. Gradio's chat renders a
message as Markdown with HTML allowed and sanitised (ids, classes and "#" links survive; scripts
and data-* attributes do not), so everything here is escaped HTML on a single line: a blank line
would end the HTML block and let Markdown reinterpret the text.
"""

from __future__ import annotations

import html
import re
from typing import Iterable, Sequence

from rag.answer.citations import find_markers  # the answer stage's own marker grammar
from rag.types import Answer, Chunk, Citation, Hit

REFUSED_LABEL = "没有可靠答案"
RELATED_LABEL = "可能相关的段落"
READING_LABEL = "正在阅读"
SOURCES_LABEL = "来源"
MODE_LABELS = {"generate": "生成", "extract": "抽取", "faq": "常见问题的标准答案"}


def anchor_id(turn: int, n: int) -> str:
    """Element id of passage [n] under answer `turn`; unique within one page (one session)."""
    return f"rag-t{turn}-c{n}"


def _escape(text: str) -> str:
    return html.escape(text, quote=True).replace("\n", "<br>")


# a heading line, also when the supporting span highlighted from its start begins with it
_HEADING_LINE = re.compile(r'(^|<br>)(<mark class="rag-span">)?#{1,6} ([^<]*)')


def _tight(passage_html: str) -> str:
    """Paragraph breaks as single line breaks (a passage is short, blank lines only stretch it),
    and a chunk's Markdown heading (## 二、各乡镇主要指标) shown as a heading, not as its marks."""
    while "<br><br>" in passage_html:
        passage_html = passage_html.replace("<br><br>", "<br>")
    return _HEADING_LINE.sub(r'\1\2<b class="rag-passage-heading">\3</b>', passage_html)


def merge_spans(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Spans clamped to [0, length], sorted, overlapping or touching ones merged, empty ones dropped."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted((max(0, s), min(length, e)) for s, e in spans):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Escaped text with each supporting span wrapped in <mark>."""
    parts, pos = [], 0
    for start, end in merge_spans(spans, len(text)):
        parts += [_escape(text[pos:start]), f'<mark class="rag-span">{_escape(text[start:end])}</mark>']
        pos = end
    parts.append(_escape(text[pos:]))
    return "".join(parts)


def _marker_html(numbers: list[int], turn: int, cited: set[int]) -> str:
    links = []
    for n in numbers:
        if n in cited:
            links.append(f'<a class="rag-ref" href="#{anchor_id(turn, n)}" title="查看来源 [{n}]">[{n}]</a>')
    # a marker whose numbers were all dropped by verification is left out rather than dangling
    return "".join(links)


def link_markers(text: str, turn: int, cited: Iterable[int]) -> str:
    """Escaped answer text whose [n] markers link to the passages cited under it."""
    cited_set = set(cited)
    parts, pos = [], 0
    for start, end, numbers in find_markers(text):
        parts += [_escape(text[pos:start]), _marker_html(numbers, turn, cited_set)]
        pos = end
    parts.append(_escape(text[pos:]))
    return "".join(parts)


def _where(chunk: Chunk) -> str:
    """The page, date and source; a source that is a web address is a link to the page."""
    if not chunk.source.startswith(("http://", "https://")):
        return _escape(chunk.where())
    rest = " · ".join(p for p in (chunk.page_label(), chunk.date) if p)
    link = (
        f'<a class="rag-url" href="{html.escape(chunk.source, quote=True)}" target="_blank" rel="noopener">'
        f"{_escape(chunk.source)}</a>"
    )
    return f"{_escape(rest)} · {link}" if rest else link


def _source_line(chunk: Chunk) -> str:
    where = " › ".join(p.strip() for p in chunk.section.split(">") if p.strip())
    title = _escape(chunk.title or chunk.doc)
    section = f'<span class="rag-section">{_escape(where)}</span>' if where else ""
    place = f'<span class="rag-where">{_where(chunk)}</span>' if chunk.where() else ""
    return f'<span class="rag-title">{title}</span>{section}<span class="rag-doc">{_escape(chunk.doc)}</span>{place}'


def citation_html(citation: Citation, turn: int) -> str:
    """One cited passage: number, title, section path, file, text with the supporting span marked."""
    c = citation.chunk
    return (
        f'<details class="rag-cite" id="{anchor_id(turn, citation.n)}" open>'
        f'<summary><span class="rag-n">[{citation.n}]</span>{_source_line(c)}</summary>'
        f'<div class="rag-passage">{_tight(highlight(c.text, citation.spans))}</div></details>'
    )


def related_html(hits: Sequence[Hit]) -> str:
    """The closest passages of a refusal, folded, so the reader can judge for themselves."""
    if not hits:
        return ""
    items = "".join(
        f'<li class="rag-hit"><div class="rag-source">{_source_line(h.chunk)}</div>'
        f'<div class="rag-passage">{_tight(_escape(h.chunk.text))}</div></li>'
        for h in hits
    )
    return f'<details class="rag-related"><summary>{RELATED_LABEL}（{len(hits)}）</summary><ol>{items}</ol></details>'


def reading_html(passages: Sequence[Citation]) -> str:
    """The passages being read while the answer is made: where each comes from, and the sentence
    that best covers the question marked. Unnumbered: the answer numbers its own citations."""
    if not passages:
        return ""
    items = "".join(
        f'<li class="rag-hit"><div class="rag-source">{_source_line(p.chunk)}</div>'
        f'<div class="rag-passage">{_tight(highlight(p.chunk.text, p.spans))}</div></li>'
        for p in passages
    )
    return (
        f'<details class="rag-reading" open><summary>{READING_LABEL}（{len(passages)}）</summary>'
        f"<ul>{items}</ul></details>"
    )


def _meta(answer: Answer) -> str:
    """Mode, time, and the standalone query when a follow-up was rewritten (so the reader sees
    how the conversation was understood)."""
    parts = [MODE_LABELS.get(answer.mode, "生成")]
    if (total := answer.timings_ms.get("total")) is not None:
        parts.append(f"{total / 1000:.1f} s")
    if answer.query and answer.query.strip() != answer.question.strip():
        parts.append(f'检索：<span class="rag-query">{_escape(answer.query)}</span>')
    return f'<div class="rag-meta">{" · ".join(parts)}</div>'


def answer_html(answer: Answer, turn: int) -> str:
    """The finished answer of chat turn `turn`: text with linked markers, then its sources."""
    if answer.refused:
        return refusal_html(answer)
    cited = [c.n for c in answer.citations]
    body = link_markers(answer.text, turn, cited)
    sources = "".join(citation_html(c, turn) for c in answer.citations)
    label = f'<div class="rag-label">{SOURCES_LABEL}</div>'
    block = f'<div class="rag-cites">{label}{sources}</div>' if sources else ""
    return f'<div class="rag-answer"><div class="rag-text">{body}</div>{block}{_meta(answer)}</div>'


def refusal_html(answer: Answer) -> str:
    text = _escape(answer.text.strip() or REFUSED_LABEL)
    return (
        f'<div class="rag-answer rag-refused"><div class="rag-refused-head">{REFUSED_LABEL}</div>'
        f'<div class="rag-text">{text}</div>{related_html(answer.hits)}{_meta(answer)}</div>'
    )


def streaming_html(text: str, passages: Sequence[Citation] = ()) -> str:
    """A partial answer while tokens arrive, over the passages being read; markers are linked
    only once citations are verified."""
    cursor = '<span class="rag-cursor"></span>'
    return (
        f'<div class="rag-answer rag-streaming"><div class="rag-text">{_escape(text)}{cursor}</div>'
        f"{reading_html(passages)}</div>"
    )


def pending_html(label: str = "检索中…", passages: Sequence[Citation] = ()) -> str:
    return (
        f'<div class="rag-answer rag-streaming"><div class="rag-text rag-pending">{_escape(label)}</div>'
        f"{reading_html(passages)}</div>"
    )


def error_html(message: str) -> str:
    return (
        f'<div class="rag-answer rag-error"><div class="rag-refused-head">出错了</div>'
        f'<div class="rag-text">{_escape(message)}</div></div>'
    )


def stopped_html(text: str) -> str:
    """An answer the user stopped: what had been verified and shown so far, marked as cut short."""
    shown = f'<div class="rag-text">{_escape(text)}</div>' if text else ""
    return f'<div class="rag-answer rag-stopped"><div class="rag-refused-head">已停止</div>{shown}</div>'
