"""Ingestion: files -> Document -> Chunk. Reading files of each format with their encodings
(load.py, encoding.py; pdf.py, images.py and ocr/ for text layers and scans, tables.py for sheets
and CSV, slides.py for decks, archive.py for the zip limits every Office format is held to), the
printed page's rules (pages.py: running headers, page breaks), cleaning web debris and reading a
document's date and source (clean.py), finding its sections (sections.py) and cutting sections
into chunks at sentence ends and page breaks (chunk.py).
It imports config, errors, types and text; never index, retrieval, answer or a shell."""
