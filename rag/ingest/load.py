"""Files -> Documents: .txt .md .html .pdf .docx, any common Chinese encoding, cleaned.

A folder is walked recursively in sorted order. A file that cannot be used (unsupported, binary,
empty, unreadable, too large, malformed) is skipped with one warning line and the rest still
loads. HTML and DOCX headings become markdown `#` lines, so the chunker reads one convention.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from rag.config import Config
from rag.errors import LoadError
from rag.ingest.clean import clean_text, extract_metadata
from rag.ingest.encoding import decode_text
from rag.text.normalize import HAN, script_of
from rag.types import Document

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"})


@dataclass(frozen=True)
class Extracted:
    text: str
    title: str = ""  # a title the format states (HTML <h1>/<title>, DOCX properties), if any


def _stderr(message: str) -> None:
    print(f"rag: warning: {message}", file=sys.stderr)


# --- walking --------------------------------------------------------------------------------------
def load_paths(paths: Sequence[str | Path], config: Config,
               warn: Callable[[str], None] | None = None) -> list[Document]:
    """Every supported file under `paths`; the others are skipped with `warn("skipped <path>: <reason>")`."""
    return list(iter_documents(paths, config, warn))


def iter_documents(paths: Sequence[str | Path], config: Config,
                   warn: Callable[[str], None] | None = None) -> Iterator[Document]:
    """load_paths() one file at a time, so that indexing can embed the first files while the
    next are still read."""
    warn = warn or _stderr
    seen_files: set[Path] = set()
    seen_docs: dict[str, Path] = {}
    for root in paths:
        for path, name in _walk(Path(root).expanduser()):
            real = path.resolve()
            if real in seen_files:
                continue
            seen_files.add(real)
            if name in seen_docs:
                warn(f"skipped {path}: same name {name} as {seen_docs[name]}; index the folders separately")
                continue
            try:
                doc = load_file(path, name, config)
            except LoadError as exc:
                warn(f"skipped {exc}")
                continue
            seen_docs[name] = path
            yield doc


def _walk(root: Path) -> list[tuple[Path, str]]:
    """(file, doc name relative to root with "/") for a file or, recursively, a folder. Hidden
    files and folders (.git, .DS_Store) are not documents and are passed over silently."""
    if root.is_file():
        return [(root, root.name)]
    if not root.is_dir():
        raise LoadError(f"{root}: no such file or folder; check the path")
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found += [Path(folder) / f for f in files if not f.startswith(".")]
    return sorted((p, p.relative_to(root).as_posix()) for p in found)


# --- one file -------------------------------------------------------------------------------------
def load_file(path: Path, doc: str, config: Config) -> Document:
    """Read, extract and clean one file; raises LoadError("<path>: <reason>")."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(f"{path}: unsupported file type {suffix or '(no extension)'} "
                        f"(supported: {' '.join(sorted(SUPPORTED_SUFFIXES))})")
    data = _read(path, config)
    try:
        extracted = _READERS[suffix](data)
    except LoadError as exc:
        raise LoadError(f"{path}: {exc}") from None
    text = clean_text(extracted.text)
    if not text:
        raise LoadError(f"{path}: no text left after extraction and cleaning")
    meta = extract_metadata(text, extracted.title)
    return Document(doc=doc, text=text, title=meta.title or path.stem, date=meta.date, source=meta.source,
                    script=script_of(text), sha256=hashlib.sha256(data).hexdigest(), path=str(path.resolve()))


def _read(path: Path, config: Config) -> bytes:
    try:
        size = path.stat().st_size
        if size > config.max_file_mb * 1e6:
            raise LoadError(f"{path}: {size / 1e6:.1f} MB is over the {config.max_file_mb:g} MB limit "
                            "(raise the setting max_file_mb to load it)")
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if not data.strip():
        raise LoadError(f"{path}: empty file")
    return data


# --- text and markdown ----------------------------------------------------------------------------
def _read_text(data: bytes) -> Extracted:
    return Extracted(decode_text(data))


_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|~~|`)")


def _read_markdown(data: bytes) -> Extracted:
    """Markdown keeps its # headings; images, link targets and emphasis marks are layout."""
    text = _MD_IMAGE.sub("", decode_text(data))
    text = re.sub(r"<!--.*?-->", "", _MD_LINK.sub(r"\1", text), flags=re.S)
    return Extracted(_MD_EMPHASIS.sub("", text))


# --- HTML -----------------------------------------------------------------------------------------
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-]+)""", re.I)
_HTML_DROP = ["script", "style", "noscript", "template", "iframe", "svg", "canvas", "nav", "aside",
              "form", "button", "select", "input", "textarea", "footer"]
_HTML_NOISE = re.compile(r"(^|[-_ ])(nav|navbar|menu|breadcrumbs?|sidebar|share|sharing|social|related|"
                         r"recommend|comments?|advert|ads|banner|copyright|footer|topbar|toolbar)([-_ ]|$)", re.I)
_HTML_BLOCKS = {"p", "div", "li", "tr", "section", "article", "main", "blockquote", "pre", "dd", "dt",
                "table", "ul", "ol", "figure", "figcaption", "header", "h1", "h2", "h3", "h4", "h5", "h6"}


def _read_html(data: bytes) -> Extracted:
    from bs4 import BeautifulSoup, Comment

    match = _META_CHARSET.search(data[:4096])
    soup = BeautifulSoup(decode_text(data, match.group(1).decode() if match else ""), "html.parser")
    title = _html_title(soup)
    root = soup.find("article") or soup.find("main") or soup.find(attrs={"role": "main"}) or soup.body or soup
    for node in root.find_all(string=lambda s: isinstance(s, Comment)):
        node.extract()
    for tag in root.find_all(_HTML_DROP + ([] if root.name in ("article", "main") else ["header"])):
        tag.decompose()
    for tag in root.find_all(_is_noise):
        tag.decompose()
    return Extracted(_html_text(root), title)


def _is_noise(tag) -> bool:
    names = " ".join(tag.get("class") or []) + " " + (tag.get("id") or "")
    return bool(_HTML_NOISE.search(names)) and tag.find(["article", "main"]) is None


def _html_title(soup) -> str:
    h1 = soup.find("h1")
    if h1 and h1.get_text(strip=True):
        return h1.get_text(" ", strip=True)
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    return re.split(r"\s+[-|_–—]\s+|_", title)[0].strip() if title else ""


def _html_text(root) -> str:
    """Block elements become paragraphs, <br> a line break, <hN> a markdown heading; newlines
    inside an element are the source's line wrapping, not breaks."""
    from bs4 import NavigableString

    for node in list(root.find_all(string=True)):
        if node.find_parent("pre") is None:
            joined = re.sub(f"(?<=[{HAN}])\\s*\n\\s*(?=[{HAN}])", "", str(node))
            node.replace_with(NavigableString(re.sub(r"\s*\n\s*", " ", joined)))
    for br in root.find_all("br"):
        br.replace_with(NavigableString("\n"))
    for tag in root.find_all(list(_HTML_BLOCKS)):
        if tag.name in {"h1", "h2", "h3", "h4", "h5", "h6"} and tag.get_text(strip=True):
            tag.insert(0, NavigableString("#" * int(tag.name[1]) + " "))
        tag.insert_before(NavigableString("\n\n"))
        tag.insert_after(NavigableString("\n\n"))
    return root.get_text()


# --- PDF and DOCX ---------------------------------------------------------------------------------
def _read_pdf(data: bytes) -> Extracted:
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed files are reported by us, once
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("encrypted PDF; save an unencrypted copy")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = (reader.metadata.title or "") if reader.metadata else ""
    except LoadError:
        raise
    except Exception as exc:  # pypdf raises many types on damaged input; none may stop the run
        raise LoadError(f"not a readable PDF ({type(exc).__name__}: {str(exc)[:80]})") from None
    if not any(p.strip() for p in pages):
        raise LoadError("PDF has no extractable text (scanned images need OCR first)")
    return Extracted("\n\n".join(_unwrap_pdf_lines(p) for p in pages), str(title).strip())


def _unwrap_pdf_lines(page: str) -> str:
    """PDF text comes as printed lines; a line that fills the width and does not end a sentence
    continues in the next line."""
    lines = [line.strip() for line in page.split("\n")]
    width = max((len(line) for line in lines), default=0)
    out: list[str] = []
    for line in lines:
        prev = out[-1] if out else ""
        if prev and line and len(prev) >= 0.8 * width and prev[-1] not in "。！？!?；;：:.":
            out[-1] = prev + ("" if prev[-1] >= "\u3000" or line[0] >= "\u3000" else " ") + line
        else:
            out.append(line)
    return "\n".join(out)


def _read_docx(data: bytes) -> Extracted:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(document.iter_inner_content())
        title = document.core_properties.title or ""
        lines = []
        for block in blocks:
            lines += _docx_table(block) if isinstance(block, Table) else [_docx_paragraph(block)]
    except Exception as exc:  # python-docx/lxml/zipfile errors on damaged input; none may stop the run
        raise LoadError(f"not a readable DOCX ({type(exc).__name__}: {str(exc)[:80]})") from None
    if not title:
        title = next((p.text for p in blocks if not isinstance(p, Table) and _style(p) == "title"), "")
    return Extracted("\n\n".join(lines), title.strip())


def _style(paragraph) -> str:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    if name.lower() == "title" or name == "标题":
        return "title"
    match = re.fullmatch(r"(?:heading|标题)\s*(\d)", name.strip(), re.I)
    return f"h{match.group(1)}" if match else ""


def _docx_paragraph(paragraph) -> str:
    style, text = _style(paragraph), paragraph.text.strip()
    if style.startswith("h") and text:
        return "#" * min(int(style[1:]), 6) + " " + text
    return text


def _docx_table(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = cell.text.strip()
            if text and (not cells or cells[-1] != text):  # merged cells repeat their text
                cells.append(text)
        rows.append(" | ".join(cells))
    return rows


_READERS: dict[str, Callable[[bytes], Extracted]] = {
    ".txt": _read_text, ".md": _read_markdown, ".markdown": _read_markdown, ".html": _read_html,
    ".htm": _read_html, ".pdf": _read_pdf, ".docx": _read_docx}
