"""PowerPoint (.pptx) -> one section per slide: the slide's title as its heading, then the text
of its shapes from the top left down (tables row by row, as rag.ingest.tables writes rows), then
the speaker's notes."""

from __future__ import annotations

import io

from rag.ingest.archive import check_archive, not_readable
from rag.ingest.clean import one_line
from rag.ingest.extracted import Extracted, Reading
from rag.ingest.tables import table_lines

NOTES = "备注"


def read_pptx(data: bytes, reading: Reading) -> Extracted:
    from pptx import Presentation

    check_archive(data, reading.config)  # before any XML is parsed
    try:
        deck = Presentation(io.BytesIO(data))
        slides = [_slide(slide, n) for n, slide in enumerate(deck.slides, 1)]
        title = deck.core_properties.title or ""
    except Exception as exc:  # python-pptx/lxml/zipfile errors on damaged input; none may stop the run
        raise not_readable("PPTX", exc) from None
    return Extracted("\n\n".join(s for s in slides if s), title.strip())


def _slide(slide, number: int) -> str:
    title_shape = slide.shapes.title
    title = one_line(title_shape.text_frame.text) if title_shape is not None and title_shape.has_text_frame else ""
    lines: list[str] = []
    shapes = [s for s in slide.shapes if title_shape is None or s.shape_id != title_shape.shape_id]
    for shape in sorted(shapes, key=lambda s: (s.top or 0, s.left or 0)):
        lines += _shape_lines(shape)
    if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
        notes = one_line(slide.notes_slide.notes_text_frame.text)
        lines += [f"{NOTES}：{notes}"] if notes else []
    if not title and not lines:
        return ""
    return "\n".join([f"# {title or f'第{number}张幻灯片'}", *lines])


def _shape_lines(shape) -> list[str]:
    if shape.has_text_frame:
        return [p for p in (one_line(par.text) for par in shape.text_frame.paragraphs) if p]
    if getattr(shape, "has_table", False):
        return table_lines([cell.text for cell in row.cells] for row in shape.table.rows)
    if hasattr(shape, "shapes"):  # a group: its members in order
        return [line for member in shape.shapes for line in _shape_lines(member)]
    return []
