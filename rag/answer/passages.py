"""The one builder of a passage's context: its title and section path before its text, as the
reader of a report sees it. A passage counts as saying what its title or section says (a report
names its place in the title, then says 我县)."""

from __future__ import annotations

from rag.text.normalize import compact
from rag.types import Chunk


def passage_text(chunk: Chunk, text: str | None = None) -> str:
    """Title, section path and text (or `text`, a sentence of it), space-separated."""
    return f"{chunk.title} {chunk.section} {chunk.text if text is None else text}"


def context_of(chunk: Chunk, text: str | None = None) -> str:
    """passage_text() in compact() form, for containment checks."""
    return compact(passage_text(chunk, text))
