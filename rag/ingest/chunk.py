"""Section-aware chunking: Document -> Chunks a reader would recognise.

Each section (rag.sections) is packed sentence by sentence up to `chunk_size` characters, with
`chunk_overlap` sentences carried into the section's next chunk. A sentence is never cut (only a
sentence longer than twice `chunk_size`, which an embedder would truncate, is cut at its clause
marks). A heading always travels with the text under it: a heading with nothing under it, or a
parent's short introduction, joins the next section's first chunk; a section's tail shorter than
`chunk_min` joins the chunk before it. In a paged document a chunk also ends where a page
does, and neither an overlap sentence nor a short tail crosses the break. Chunks are spans of Document.text, so text[start:end] is
exactly what a reader is shown, and every sentence of the document is in at least one chunk.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass
from typing import Sequence

from rag.config import Config
from rag.errors import ConfigError
from rag.ingest.sections import Section, find_sections
from rag.ingest.tables import is_row
from rag.text.sentences import Span, clauses, paragraphs, sentences
from rag.types import SECTION_SEPARATOR, Chunk, Document


@dataclass(frozen=True)
class Piece:
    """A planned chunk: a span of the text and the section path it belongs to."""

    start: int
    end: int
    path: tuple[str, ...]


@dataclass
class _Group:
    units: list[Span]
    fresh: int = 0  # units before this index were carried over from the previous chunk

    @property
    def new_length(self) -> int:
        return self.units[-1].end - self.units[self.fresh].start


def chunk_document(doc: Document, config: Config) -> list[Chunk]:
    check_chunk_settings(config)
    return [_chunk(doc, piece) for piece in plan_chunks(doc.text, config, doc.pages)]


def check_chunk_settings(config: Config) -> None:
    if config.chunk_size < 20:
        raise ConfigError(f"chunk_size={config.chunk_size} is too small: set chunk_size to 20 characters or more")
    if not 0 <= config.chunk_min < config.chunk_size:
        raise ConfigError(f"chunk_min={config.chunk_min} must be between 0 and chunk_size={config.chunk_size}")
    if config.chunk_overlap < 0:
        raise ConfigError(f"chunk_overlap={config.chunk_overlap} must be 0 or more (sentences)")


def plan_chunks(text: str, config: Config, pages: Sequence[int] = ()) -> list[Piece]:
    """`pages`: where each page begins; a chunk ends at a page break (a sentence running over
    the break stays whole, in the chunk of the page it begins on), so most citations name one page."""
    sections = find_sections(text)
    pieces: list[Piece] = []
    carry: int | None = None  # start of heading text still waiting for its body
    for section, nxt in zip(sections, [*sections[1:], None], strict=False):
        start = section.start if carry is None else carry
        if _joins_next(text, section, nxt, config):
            carry = start
            continue
        carry = None
        pieces += _pack(text, start, section, config, pages)
    if carry is not None:  # headings at the very end with nothing under them
        end = len(text.rstrip())
        pieces = (
            [*pieces[:-1], Piece(pieces[-1].start, end, pieces[-1].path)]
            if pieces
            else ([Piece(carry, end, ())] if text[carry:end].strip() else [])
        )
    return pieces


def _joins_next(text: str, section: Section, nxt: Section | None, config: Config) -> bool:
    if not text[section.body : section.end].strip():
        return True  # a heading alone is never a chunk
    is_parent = nxt is not None and nxt.path[: len(section.path)] == section.path and len(nxt.path) > len(section.path)
    return is_parent and len(text[section.start : section.end].strip()) < config.chunk_min


def _pack(text: str, start: int, section: Section, config: Config, pages: Sequence[int]) -> list[Piece]:
    size = config.chunk_size
    groups: list[_Group] = []
    current = _Group([])
    for unit in _units(text, start, section.end, size):
        has_body = any(u.start >= section.body for u in current.units)
        new_page = bool(current.units) and _page(pages, unit.start) != _page(pages, current.units[-1].start)
        if has_body and new_page:
            groups.append(current)
            current = _Group([unit])  # no overlap carried back onto the page before
        elif has_body and unit.end - current.units[0].start > size:
            groups.append(current)
            current = _next_group(current, unit, config)
        else:
            current.units.append(unit)
    if current.units:
        groups.append(current)
    if (
        len(groups) > 1
        and groups[-1].new_length < config.chunk_min
        and _page(pages, groups[-1].units[groups[-1].fresh].start) == _page(pages, groups[-2].units[-1].start)
    ):
        tail = groups.pop()
        groups[-1].units += tail.units[tail.fresh :]  # a tiny tail joins the chunk before it
    return [Piece(g.units[0].start, g.units[-1].end, section.path) for g in groups]


def _page(pages: Sequence[int], offset: int) -> int:
    return bisect.bisect_right(pages, offset)


def _next_group(previous: _Group, unit: Span, config: Config) -> _Group:
    """Start a chunk with the last `chunk_overlap` sentences of the previous one, when they are
    short enough to leave room for new text."""
    n = min(config.chunk_overlap, len(previous.units) - 1)  # never repeat a whole chunk
    carried = previous.units[-n:] if n > 0 else []
    if carried and unit.end - carried[0].start <= config.chunk_size:
        return _Group([*carried, unit], fresh=len(carried))
    return _Group([unit])


def _units(text: str, start: int, end: int, size: int) -> list[Span]:
    """The section's sentences, but a table row that fits in a chunk is one unit (a row cut
    between chunks would part an FAQ's question from its answer); a sentence longer than
    2 x size is cut into clause groups of about size."""
    units: list[Span] = []
    for paragraph in paragraphs(text, start, end):
        if paragraph.end - paragraph.start <= size and is_row(text[paragraph.start : paragraph.end]):
            units.append(paragraph)
            continue
        for sentence in sentences(text, paragraph.start, paragraph.end):
            if sentence.end - sentence.start <= 2 * size:
                units.append(sentence)
            else:
                units += _cut_long(text, sentence, size)
    return units


def _cut_long(text: str, sentence: Span, size: int) -> list[Span]:
    parts: list[Span] = []
    for clause in clauses(text, sentence):
        if parts and clause.end - parts[-1].start <= size:
            parts[-1] = Span(parts[-1].start, clause.end)
        else:
            parts += _hard_cut(text, clause, size)
    return parts


def _hard_cut(text: str, span: Span, size: int) -> list[Span]:
    """Last resort for a run with no clause mark at all: cut every `size` characters, moved back
    so that no number or Latin word is split."""
    parts, start = [], span.start
    while span.end - start > 2 * size:
        cut = start + size
        while cut > start + size // 2 and text[cut - 1].isascii() and text[cut - 1].isalnum():
            cut -= 1
        parts.append(Span(start, cut))
        start = cut
    return [*parts, Span(start, span.end)]


def _chunk(doc: Document, piece: Piece) -> Chunk:
    text = doc.text[piece.start : piece.end]
    section = SECTION_SEPARATOR.join(piece.path)
    key = "\x1f".join((doc.doc, str(piece.start), str(piece.end), text))
    page, last = doc.page_at(piece.start), doc.page_at(max(piece.end - 1, piece.start))
    ocr = doc.ocr and (not doc.pages or any(p in doc.ocr_pages for p in range(page or 0, (last or 0) + 1)))
    return Chunk(
        id=hashlib.sha256(key.encode("utf-8")).hexdigest()[:16],
        doc=doc.doc,
        title=doc.title,
        section=section,
        start=piece.start,
        end=piece.end,
        text=text,
        index_text=index_text(doc.title, section, text),
        page=page,
        page_end=last if last != page else None,
        ocr=ocr,
        date=doc.date,
        source=doc.source,
    )


def index_text(title: str, section: str, text: str) -> str:
    """What is embedded and tokenised: the title and section path as context, then the passage."""
    if title and section.startswith(title):
        title = ""  # the first heading is the title itself (seed 003): say it once
    return "\n".join(part for part in (title, section, text) if part)
