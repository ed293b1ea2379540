"""PDF -> pages of text: the text layer read from its layout where a page has one (pdfplumber,
rag.ingest.pdf_layout: columns, paragraphs, headings, ruled tables), OCR of the page rendered by
PDFium (pypdfium2, a wheel: no system binaries) where a page is a scan, then the printed page's
rules (rag.ingest.pages): running headers and page numbers off, paragraphs rejoined."""

from __future__ import annotations

import io
import logging

from rag.errors import LoadError
from rag.ingest.extracted import Extracted, Reading
from rag.ingest.images import ocr_lines, unreadable
from rag.ingest.pages import Printed, page_texts, running_head
from rag.ingest.pdf_layout import PageLayout, printed_lines, read_page

RENDER_LONG_SIDE = 2000  # pixels: RapidOCR shrinks anything longer, so rendering more is wasted
SCAN_TEXT_MAX = 20  # characters: a scan's text layer may hold a stamped page number, not its text


def read_pdf(data: bytes, reading: Reading) -> Extracted:
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # malformed files are reported by us, once
    layouts, scanned, title = _text_layer(data, reading)
    if title == reading.stem:
        title = ""  # converters and scanners write the file's name there: the text's own title is better
    has_text = any(layout.lines for i, layout in enumerate(layouts) if i not in scanned)
    if not has_text and not scanned:
        raise LoadError("PDF has no text and no scanned pages")
    lines: list[list[Printed]] = printed_lines(layouts)
    read: list[int] = []
    if scanned and reading.ocr is None:
        if not has_text:
            raise LoadError('scanned PDF (no text layer) and OCR is off; set ocr = "auto" to read it')
        reading.warn(f"{reading.name}: pages {_numbers(scanned)} are scans and OCR is off; they were left out")
        for i in scanned:
            lines[i] = []
    elif scanned:
        read = _ocr_pages(data, scanned, lines, reading)
    pages = page_texts(lines)
    if not any(p.text for p in pages):
        raise LoadError("OCR found no text on the scanned pages")
    return Extracted(
        pages=tuple(p.text for p in pages),
        runs_on=tuple(p.runs_on for p in pages),
        title=title,
        masthead=running_head(lines),
        ocr_pages=tuple(i + 1 for i in read),
        ocr=bool(read),
    )


def _text_layer(data: bytes, reading: Reading) -> tuple[list[PageLayout], list[int], str]:
    """Each page's layout, the pages that are scans, and the title the file states. Bounded
    before the work: in pages (max_pdf_pages), and a page in the characters and objects it draws
    (max_page_chars, max_page_objects), since laying a page out costs time and memory in
    proportion to what it draws."""
    import pdfplumber
    from pdfplumber.utils.exceptions import PdfminerException

    config = reading.config
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > config.max_pdf_pages:
                raise LoadError(
                    f"{len(pdf.pages):,} pages, over the {config.max_pdf_pages:,}-page limit "
                    "(setting max_pdf_pages); split the file or raise the setting"
                )
            title = str((pdf.metadata or {}).get("Title") or "").strip()
            drawn = _drawn(data, len(pdf.pages))
            layouts, scanned, header = [], [], None
            for i, page in enumerate(pdf.pages):
                over = _over_limit(drawn[i], config)
                if over:
                    reading.warn(f"{reading.name}: page {i + 1} draws {over}; it was left out")
                    layouts.append(PageLayout([]))
                    page.close()
                    continue
                layout = read_page(page, header)
                header = next((l.header for l in reversed(layout.lines) if l.table is not None), None)
                if _is_scan(layout, page):
                    scanned.append(i)
                layouts.append(layout)
                page.close()  # its parsed objects are not needed again
    except LoadError:
        raise
    except Exception as exc:  # pdfminer raises many types on damaged input; none may stop the run
        inner = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
        if type(inner).__name__ == "PDFPasswordIncorrect":
            raise LoadError("encrypted PDF (it needs a password); save an unencrypted copy") from None
        raise LoadError(f"not a readable PDF ({type(inner).__name__}: {str(inner)[:80]})") from None
    return layouts, scanned, title


def _drawn(data: bytes, pages: int) -> list[tuple[int, int]]:
    """Each page's objects and characters as PDFium counts them: its C parser counts a page of
    600,000 glyphs in a second, where laying it out in pdfminer takes half a minute and gigabytes.
    Pages PDFium cannot open count as empty (pdfplumber's own errors are reported later)."""
    import pypdfium2 as pdfium

    counts = [(0, 0)] * pages
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return counts
    try:
        for i in range(min(pages, len(document))):
            page = document[i]
            text = page.get_textpage()
            counts[i] = (pdfium.raw.FPDFPage_CountObjects(page.raw), text.count_chars())
            text.close()
            page.close()
    except pdfium.PdfiumError:
        pass
    finally:
        document.close()
    return counts


def _over_limit(drawn: tuple[int, int], config) -> str:
    """What makes a page too costly to lay out, or "" (settings max_page_objects, max_page_chars)."""
    objects, chars = drawn
    if chars > config.max_page_chars:
        return f"{chars:,} characters, over the {config.max_page_chars:,} limit (setting max_page_chars)"
    if objects > config.max_page_objects:
        return f"{objects:,} objects, over the {config.max_page_objects:,} limit (setting max_page_objects)"
    return ""


def _is_scan(layout: PageLayout, page) -> bool:
    """A page whose text layer is empty or only a stamp (a page number, a file mark) over an image."""
    text = "".join(l.text if l.table is None else "".join(l.table) for l in layout.lines)
    if len("".join(text.split())) > SCAN_TEXT_MAX:
        return False
    try:
        return len(page.images) > 0  # lists the page's image objects without decoding them
    except Exception:  # a damaged resource dictionary: let PDFium try the page
        return True


def _ocr_pages(data: bytes, scanned: list[int], lines: list[list[Printed]], reading: Reading) -> list[int]:
    """OCR the scanned pages in place in `lines`; the pages that gave text."""
    import pypdfium2 as pdfium

    ocr, read = reading.ocr, []
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise LoadError(f"scanned pages cannot be rendered ({str(exc)[:80]})") from None
    reading.tick(0, len(scanned))  # the bar shows before the first page (and the engine) is ready
    try:
        for done, i in enumerate(scanned, 1):
            page = document[i]
            image = page.render(scale=_scale(page)).to_pil()
            if ocr is not None and not unreadable(image):
                lines[i] = ocr_lines(image, ocr)
                read += [i] if lines[i] else []
            reading.tick(done, len(scanned))
    finally:
        document.close()
    return read


def _scale(page) -> float:
    """Render a scan RENDER_LONG_SIDE pixels along the page, whatever it was scanned at: at a
    150 dpi scan's own size the detector skips whole printed lines that it finds at this one."""
    width, height = page.get_size()  # in points
    return RENDER_LONG_SIDE / max(width, height, 1)


def _numbers(pages: list[int]) -> str:
    return ", ".join(str(i + 1) for i in pages)
