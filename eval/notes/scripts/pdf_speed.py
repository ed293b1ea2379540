"""Reading a 100-page typeset PDF: pypdf's plain text layer (what PDFs were read with before the
layout reader) against rag's loader (pdfplumber's layout, PDFium's page counts), seconds a page.
The PDF is the typeset collection's text pages (eval/notes/scripts/typeset.py DIR; the scan
left out) repeated to 100 pages. Usage: python pdf_speed.py DIR OUT.pdf
(seventeenth session, eval/notes/pdf-layout.md)."""

import sys
import time
from pathlib import Path

import pypdf
import pypdfium2 as pdfium

from rag.config import Config
from rag.ingest.load import load_file

folder, out = Path(sys.argv[1]), Path(sys.argv[2])
sources = [p for p in sorted(folder.glob("*.pdf")) if not p.name.startswith("002_")]  # 002 is the scan
book = pdfium.PdfDocument.new()
while len(book) < 100:
    for source in sources:
        pdf = pdfium.PdfDocument(source)
        book.import_pages(pdf, list(range(min(len(pdf), 100 - len(book)))))
        if len(book) >= 100:
            break
book.save(str(out))
pages = len(pdfium.PdfDocument(out))

started = time.perf_counter()
text = "".join(page.extract_text() or "" for page in pypdf.PdfReader(out).pages)
plain = time.perf_counter() - started
started = time.perf_counter()
doc = load_file(out, out.name, Config(ocr="off"))
layout = time.perf_counter() - started
print(f"{pages} pages: pypdf text layer {plain / pages:.3f} s a page ({len(text):,} characters); "
      f"rag's layout reader {layout / pages:.3f} s a page ({len(doc.text):,} characters)")
