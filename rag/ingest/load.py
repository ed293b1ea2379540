"""Files -> Documents: text, markdown, HTML, PDF (text layers and scans), Word, spreadsheets,
slides and images, in any common Chinese encoding, cleaned.

A folder is walked recursively in sorted order. A file that cannot be used (unsupported, binary,
empty, unreadable, too large, malformed, encrypted, a scan while OCR is off) is skipped with one
warning line and the rest still loads; so is a file that would unfold past the settings' limits
(an Office zip inflating past max_unzipped_mb, an image over max_image_megapixels, text over
max_document_chars), refused before that work is done. HTML, DOCX and slide headings and sheet names become
markdown `#` lines, so the chunker reads one convention; table rows become `header：value` lines
(rag.ingest.tables). A paged format keeps where each page begins, so chunks know their page.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

from rag.config import Config
from rag.errors import LoadError
from rag.ingest.archive import check_archive, not_readable
from rag.ingest.clean import Cleaned, clean_pages, clean_text, extract_metadata, one_line
from rag.ingest.encoding import decode_text
from rag.ingest.extracted import Extracted, Progress, Reading
from rag.ingest.images import IMAGE_SUFFIXES, read_image
from rag.ingest.pdf import read_pdf
from rag.ingest.slides import read_pptx
from rag.ingest.tables import read_csv, read_xlsx, table_lines
from rag.text.normalize import HAN, script_of
from rag.types import Document

TITLES = ".titles.json"  # in a folder: the titles of files stored under another name (hidden: no document)
SUPPORTED_SUFFIXES = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".xlsx", ".csv", ".pptx", *IMAGE_SUFFIXES}
)


def _stderr(message: str) -> None:
    print(f"rag: warning: {message}", file=sys.stderr)


# --- walking --------------------------------------------------------------------------------------
def load_paths(
    paths: Sequence[str | Path],
    config: Config,
    warn: Callable[[str], None] | None = None,
    progress: Progress | None = None,
) -> list[Document]:
    """Every supported file under `paths`; the others are skipped with `warn("skipped <path>: <reason>")`.
    `progress(stage, done, total)` hears of each page read by OCR."""
    return list(iter_documents(paths, config, warn, progress))


def iter_documents(
    paths: Sequence[str | Path],
    config: Config,
    warn: Callable[[str], None] | None = None,
    progress: Progress | None = None,
    unreadable: set[str] | None = None,
    indexed: Mapping[str, str] | None = None,
) -> Iterator[Document]:
    """load_paths() one file at a time, so that indexing can embed the first files while the
    next are still read; `progress("read", files done, files found)` after each file. The names
    of files found but not read go into `unreadable`. A file whose bytes hash to what `indexed`
    says of its name ({name: sha256}) is not read again (a scan is not OCR'd on every update):
    its Document holds only its name, path and hash."""
    from rag.ingest.ocr import make_ocr

    warn = warn or _stderr
    ocr = make_ocr(config)  # one engine for the whole run: its models load once, on the first scan
    roots = [Path(root).expanduser() for root in paths]
    found = [(root, _walk(root)) for root in roots]
    total, done = sum(len(files) for _root, files in found), 0
    seen_files: set[Path] = set()
    seen_docs: dict[str, Path] = {}
    for root, files in found:
        titles = _titles(root)
        for path, name in files:
            real = path.resolve()
            doc = None
            if real not in seen_files:
                seen_files.add(real)
                reading = Reading(name, ocr, progress, warn, title=titles.get(name, ""))
                doc = (None if name in seen_docs else _unchanged(path, name, indexed, config)) or _one(
                    path, name, seen_docs, config, reading
                )
                if doc is None and name not in seen_docs and unreadable is not None:
                    unreadable.add(name)
            done += 1
            if progress is not None:
                progress("read", done, total)
            if doc is not None:
                seen_docs[name] = path
                yield doc


def _unchanged(path: Path, name: str, indexed: Mapping[str, str] | None, config: Config) -> Document | None:
    if not indexed or name not in indexed:
        return None
    try:
        if path.stat().st_size > config.max_file_mb * 1e6:
            return None  # load_file refuses it, naming the limit
        with path.open("rb") as file:
            sha = hashlib.file_digest(file, "sha256").hexdigest()
    except OSError:
        return None  # load_file says why
    return Document(doc=name, text="", sha256=sha, path=str(path.resolve())) if sha == indexed[name] else None


def _one(path: Path, name: str, seen: dict[str, Path], config: Config, reading: Reading) -> Document | None:
    """The file's document, or None with a warning saying why it was skipped."""
    if name in seen:
        reading.warn(f"skipped {path}: same name {name} as {seen[name]}; index the folders separately")
        return None
    try:
        return load_file(path, name, config, reading)
    except LoadError as exc:
        reading.warn(f"skipped {exc}")
        return None


def _titles(root: Path) -> dict[str, str]:
    """A folder's TITLES file: {stored name: title} for files kept under a name other than their
    own (an upload's name shortened to fit the file system keeps its whole name as its title)."""
    path = root / TITLES
    try:
        titles = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in titles.items()} if isinstance(titles, dict) else {}


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
def load_file(path: Path, doc: str, config: Config, reading: Reading | None = None) -> Document:
    """Read, extract and clean one file; raises LoadError("<path>: <reason>"). Without `reading`,
    OCR follows the config and problems that do not stop the file go to stderr."""
    from rag.ingest.ocr import make_ocr

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(
            f"{path}: unsupported file type {suffix or '(no extension)'} "
            f"(supported: {' '.join(sorted(SUPPORTED_SUFFIXES))})"
        )
    reading = (
        replace(reading, config=config) if reading else Reading(doc, make_ocr(config), warn=_stderr, config=config)
    )
    data = _read(path, config)
    try:
        extracted = _READERS.get(suffix, read_image)(data, reading)
        _check_length(extracted, config)
    except LoadError as exc:
        raise LoadError(f"{path}: {exc}") from None
    cleaned = (
        clean_pages(extracted.pages, extracted.runs_on) if extracted.pages else Cleaned(clean_text(extracted.text))
    )
    text = cleaned.text
    if not text:
        raise LoadError(f"{path}: no text left after extraction and cleaning")
    meta = extract_metadata(text, extracted.title, extracted.masthead)
    if not extracted.dated:
        meta = replace(meta, date="", source="")
    return Document(
        doc=doc,
        text=text,
        title=meta.title or reading.title or path.stem,
        date=meta.date,
        source=extracted.source or meta.source,
        script=script_of(text),
        sha256=hashlib.sha256(data).hexdigest(),
        path=str(path.resolve()),
        pages=cleaned.pages,
        ocr_pages=extracted.ocr_pages,
        ocr=extracted.ocr,
    )


def _read(path: Path, config: Config) -> bytes:
    try:
        size = path.stat().st_size
        if size > config.max_file_mb * 1e6:
            raise LoadError(
                f"{path}: {size / 1e6:.1f} MB is over the {config.max_file_mb:g} MB limit "
                "(raise the setting max_file_mb to load it)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if not data.strip():
        raise LoadError(f"{path}: empty file")
    return data


def _check_length(extracted: Extracted, config: Config) -> None:
    """Every document is bounded in characters (setting max_document_chars), before cleaning,
    chunking and embedding spend time on it."""
    length = len(extracted.text) + sum(len(page) for page in extracted.pages)
    if length > config.max_document_chars:
        raise LoadError(
            f"its text is {length:,} characters, over the {config.max_document_chars:,}-character "
            "limit (setting max_document_chars); split the file or raise the setting"
        )


# --- text and markdown ----------------------------------------------------------------------------
def _read_text(data: bytes, reading: Reading) -> Extracted:
    return Extracted(decode_text(data))


_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|~~|`)")


def _read_markdown(data: bytes, reading: Reading) -> Extracted:
    """Markdown keeps its # headings; images, link targets and emphasis marks are layout."""
    text = _MD_IMAGE.sub("", decode_text(data))
    text = re.sub(r"<!--.*?-->", "", _MD_LINK.sub(r"\1", text), flags=re.S)
    return Extracted(_MD_EMPHASIS.sub("", text))


# --- HTML -----------------------------------------------------------------------------------------
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-]+)""", re.I)
_HTML_DROP = [
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "svg",
    "canvas",
    "nav",
    "aside",
    "form",
    "button",
    "select",
    "input",
    "textarea",
    "footer",
]
_HTML_NOISE = re.compile(
    r"(^|[-_ ])(nav|navbar|menu|breadcrumbs?|sidebar|share|sharing|social|related|"
    r"recommend|comments?|advert|ads|banner|copyright|footer|topbar|toolbar)([-_ ]|$)",
    re.I,
)
_HTML_BLOCKS = {
    "p",
    "div",
    "li",
    "tr",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "dd",
    "dt",
    "table",
    "ul",
    "ol",
    "figure",
    "figcaption",
    "header",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
}


def _read_html(data: bytes, reading: Reading) -> Extracted:
    from bs4 import BeautifulSoup, Comment

    match = _META_CHARSET.search(data[:4096])
    soup = BeautifulSoup(decode_text(data, match.group(1).decode() if match else ""), "html.parser")
    title = _html_title(soup)
    marked = soup.find("meta", attrs={"name": "rag:url"})  # a page rag.collections.web saved
    source = str(marked.get("content") or "") if marked else ""
    # find(None, attrs=...): bs4's overloads take attrs only after a name, None being any tag
    root = soup.find("article") or soup.find("main") or soup.find(None, attrs={"role": "main"}) or soup.body or soup
    for node in root.find_all(string=lambda s: isinstance(s, Comment)):
        node.extract()
    for tag in root.find_all(_HTML_DROP + ([] if root.name in ("article", "main") else ["header"])):
        tag.decompose()
    for tag in root.find_all(_is_noise):
        tag.decompose()
    _drop_link_lists(root)
    _write_data_tables(root)
    return Extracted(_html_text(root), title, source=source)


DATA_CELL_CHARS = 80  # longer cells are a page laid out in a table, not figures in one


def _is_data_table(table) -> bool:
    """Rows of short cells: figures to read as `header：value`. A table holding another table, a
    paragraph or long cells is the page's layout and is read as text."""
    rows = table.find_all("tr")
    cells = table.find_all(["td", "th"])
    return (
        len(rows) >= 2
        and len(cells) >= 2 * len(rows)
        and table.find(["table", "p", "div", "ul"]) is None
        and all(len(cell.get_text(" ", strip=True)) <= DATA_CELL_CHARS for cell in cells)
    )


def _write_data_tables(root) -> None:
    """Each data table becomes its rows as `header：value` lines, as the other readers write them."""
    for table in root.find_all("table"):
        if table.parent is not None and _is_data_table(table):
            rows = [
                [cell.get_text(" ", strip=True) for cell in tr.find_all(["td", "th"])] for tr in table.find_all("tr")
            ]
            lines = []
            for line in table_lines(rows):
                lines.append(root.new_tag("div"))
                lines[-1].string = line
            table.replace_with(*lines)


LINK_SHARE = 0.5  # a block whose text is mostly its links' text is navigation or a headline list
_LINK_BLOCKS = [
    "div",
    "ul",
    "ol",
    "dl",
    "table",
    "tbody",
    "tr",
    "td",
    "section",
    "aside",
    "nav",
    "p",
    "span",
    "header",
    "footer",
]


def _chars(text: str) -> int:
    return len(text) - sum(1 for ch in text if ch.isspace())


def _link_counts(root) -> dict[int, tuple[int, int, int]]:
    """(characters, characters inside links, links) of every tag under `root`, by id, in one
    walk from the leaves up: counting each block's own subtree took time in the square of the
    page's depth (a page nested 8,000 deep held a job for most of a minute)."""
    from bs4 import CData, NavigableString, Tag

    order, stack = [], [root]
    while stack:
        tag = stack.pop()
        order.append(tag)
        stack.extend(child for child in tag.contents if isinstance(child, Tag))
    counts: dict[int, tuple[int, int, int]] = {}
    for tag in reversed(order):  # every child before its parent
        chars = links_chars = links = 0
        for child in tag.contents:
            if isinstance(child, Tag):
                c, lc, n = counts[id(child)]
                chars, links_chars, links = chars + c, links_chars + lc, links + n
            elif type(child) in (NavigableString, CData):
                chars += _chars(str(child))  # the strings get_text() reads (no comments, scripts)
        if tag.name == "a":
            links_chars, links = links_chars + chars, links + 1
        counts[id(tag)] = (chars, links_chars, links)
    return counts


def _is_link_list(counts: tuple[int, int, int]) -> bool:
    chars, links_chars, links = counts
    return links >= 3 and chars > 0 and links_chars >= LINK_SHARE * chars


def _drop_link_lists(root) -> None:
    """Blocks that are mostly links (menus, breadcrumbs, lists of other headlines), whatever
    their class names: most Chinese portals name theirs in pinyin (dh, xglj) or not at all. A
    page that is itself a list of links keeps them (nothing but links would be left)."""
    counts = _link_counts(root)
    lists, stack = [], [root]
    while stack:  # the outermost such blocks: nothing inside a dropped block is looked at again
        tag = stack.pop()
        if tag is not root and tag.name in _LINK_BLOCKS and _is_link_list(counts[id(tag)]):
            lists.append(tag)
            continue
        stack.extend(child for child in reversed(tag.contents) if id(child) in counts)
    whole = counts[id(root)][0]
    dropped = sum(counts[id(tag)][0] for tag in lists)
    if whole - dropped >= max(20, 0.1 * whole):
        for tag in lists:
            tag.decompose()


def _is_noise(tag) -> bool:
    names = " ".join(tag.get("class") or []) + " " + (tag.get("id") or "")
    return bool(_HTML_NOISE.search(names)) and tag.find(["article", "main"]) is None


def _html_title(soup) -> str:
    h1 = soup.find("h1")
    if h1 and h1.get_text(strip=True):
        return h1.get_text(" ", strip=True)
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    return re.split(r"\s+[-|_–—]\s+|_|\s*｜\s*", title)[0].strip() if title else ""


def _html_text(root) -> str:
    """Block elements become paragraphs, <br> a line break, <hN> a markdown heading; newlines
    inside an element are the source's line wrapping, not breaks. One walk over the tree, in
    time linear in its size: inserting strings beside each block (bs4 finds a node among its
    siblings one by one) took minutes on a page of ten thousand paragraphs."""
    from bs4 import NavigableString

    kept = root.interesting_string_types or (NavigableString,)  # what get_text() reads inside <pre>
    out: list[str] = []
    stack: list = [(root, root.find_parent("pre") is not None, False)]
    while stack:
        node, in_pre, closing = stack.pop()
        if closing:
            out.append("\n\n")
        elif isinstance(node, NavigableString):
            if not in_pre:
                joined = re.sub(f"(?<=[{HAN}])\\s*\n\\s*(?=[{HAN}])", "", str(node))
                out.append(re.sub(r"\s*\n\s*", " ", joined))
            elif type(node) in kept:
                out.append(str(node))
        elif node.name == "br" and node is not root:
            out.append("\n")
        else:
            if node is not root and node.name in _HTML_BLOCKS:
                out.append("\n\n")
                if node.name in {"h1", "h2", "h3", "h4", "h5", "h6"} and _has_text(node, kept):
                    out.append("#" * int(node.name[1]) + " ")
                stack.append((node, in_pre, True))
            inner = in_pre or node.name == "pre"
            stack.extend((child, inner, False) for child in reversed(node.contents))
    return "".join(out)


def _has_text(tag, kept) -> bool:
    """Whether a heading holds text as the page reads it (inside <pre> only the kept string types)."""
    from bs4 import NavigableString

    strings = (node for node in tag.descendants if isinstance(node, NavigableString) and node.strip())
    return any(type(node) in kept or node.find_parent("pre") is None for node in strings)


# --- DOCX -----------------------------------------------------------------------------------------
def _read_docx(data: bytes, reading: Reading) -> Extracted:
    import docx
    from docx.table import Table

    check_archive(data, reading.config)  # before any XML is parsed
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(document.iter_inner_content())
        title = document.core_properties.title or ""
        lines = []
        for block in blocks:
            lines += _docx_table(block) if isinstance(block, Table) else [_docx_paragraph(block)]
    except Exception as exc:  # python-docx/lxml/zipfile errors on damaged input; none may stop the run
        raise not_readable("DOCX", exc) from None
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
    return table_lines([one_line(cell.text) for cell in row.cells] for row in table.rows)


# images (IMAGE_SUFFIXES) go to read_image
_READERS: dict[str, Callable[[bytes, Reading], Extracted]] = {
    ".txt": _read_text,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": read_pdf,
    ".docx": _read_docx,
    ".xlsx": read_xlsx,
    ".csv": read_csv,
    ".pptx": read_pptx,
}
