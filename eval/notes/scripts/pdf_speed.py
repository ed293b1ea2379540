"""Reading a 100-page typeset PDF: pypdf's plain text layer (what PDFs were read with before the
layout reader) against rag's loader (pdfplumber's layout, PDFium's page counts), seconds a page.
The PDF is CMRC 2018 dev's articles typeset by typeset.py's page (A4, running header, page
numbers, headings set larger), cut to 100 pages. Usage: python pdf_speed.py CMRC_DEV.json OUT.pdf
(seventeenth session, eval/notes/pdf-layout.md); then `rag index OUT.pdf --index I` for the
indexing time."""

import json
import sys
import time
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
from typeset import Page, set_body

from rag.config import Config
from rag.ingest.load import load_file

source, out = Path(sys.argv[1]), Path(sys.argv[2])
body: list[str] = []
for article in json.loads(source.read_text(encoding="utf-8"))["data"][:400]:
    for paragraph in article["paragraphs"]:
        body += [article.get("title") or "资料", paragraph["context"]]
pdf = Page("CMRC 2018 资料汇编")
pdf.add_page()
set_body(pdf, body, 1)
whole = pdfium.PdfDocument(bytes(pdf.output()))
book = pdfium.PdfDocument.new()
book.import_pages(whole, list(range(min(100, len(whole)))))
book.save(str(out))
pages = len(book)

started = time.perf_counter()
text = "".join(page.extract_text() or "" for page in pypdf.PdfReader(out).pages)
plain = time.perf_counter() - started
started = time.perf_counter()
doc = load_file(out, out.name, Config(ocr="off"))
layout = time.perf_counter() - started
print(f"{pages} pages: pypdf text layer {plain / pages:.3f} s a page ({len(text):,} characters); "
      f"rag's layout reader {layout / pages:.3f} s a page ({len(doc.text):,} characters)")
