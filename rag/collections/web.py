"""Web pages into a knowledge base: a page, a list of pages, a sitemap, or a site followed to a given
depth within its own host. Each page is fetched politely (its site's robots.txt obeyed, bounded in
pages, bytes and time), saved as an HTML file under the knowledge base's web folder with its URL
marked in it (the loader makes the URL the document's `source`), and the folder is then indexed
like any other: only what changed is embedded again.

A re-crawl asks each page with the ETag / Last-Modified it last gave (a 304 leaves the saved file
untouched), and a page whose content hash is unchanged is not rewritten. A page gone (404/410) is
removed, so the index drops it. Skipped pages are reported with the reason."""

from __future__ import annotations

import hashlib
import html
import json
import re
import time
import urllib.robotparser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urldefrag, urljoin, urlparse

from rag.errors import ConfigError
from rag.knowledge import WEB_SUFFIX

AGENT = "rag-indexer"
STATE_FILE = ".web.json"  # per folder: each page's URL, ETag, Last-Modified and content hash
_LINK = re.compile(r"""<a\s[^>]*?href\s*=\s*["']([^"'#]+)""", re.I)
_LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>", re.I)
_HEAD = re.compile(r"<head[^>]*>", re.I)


@dataclass
class Crawl:
    """What a crawl did: pages saved (new or changed), unchanged, removed, and skipped with why."""

    saved: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"web: {len(self.saved)} pages saved, {len(self.unchanged)} unchanged, {len(self.removed)} removed, "
            f"{len(self.skipped)} skipped"
        )


def web_dir(config) -> Path:
    """Where a knowledge base's pages are kept: `<index_dir>-web`, beside its uploads."""
    return Path(f"{Path(config.index_dir)}{WEB_SUFFIX}")


def index_pages(rag: Any, urls: Sequence[str], depth: int = 0, max_pages: int = 200, progress=None):
    """Crawl `urls` into the knowledge base's web folder (pages bounded by its max_file_mb) and
    index that folder through the pipeline object; (what the crawl did, the index report)."""
    folder = web_dir(rag.config)
    crawled = crawl(urls, folder, depth=depth, max_pages=max_pages, max_page_mb=rag.config.max_file_mb)
    return crawled, rag.index([folder], progress=progress)


def is_url(path: str) -> bool:
    return str(path).startswith(("http://", "https://"))


def page_file(folder: Path, url: str) -> Path:
    """Where a page is kept: by host, under a name made of its path and a hash (stable per URL)."""
    parts = urlparse(url)
    stem = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", parts.path.strip("/"))[:60] or "index"
    return (
        folder / re.sub(r"[^\w.-]", "_", parts.netloc) / f"{stem}-{hashlib.sha256(url.encode()).hexdigest()[:10]}.html"
    )


def crawl(
    urls: Sequence[str],
    folder: Path,
    depth: int = 0,
    max_pages: int = 200,
    max_page_mb: float = 5.0,
    timeout_s: float = 20.0,
    budget_s: float = 600.0,
) -> Crawl:
    """Fetch the pages reachable from `urls` (a sitemap's pages; links within the start page's host
    up to `depth` clicks away) into `folder`; every page already there that is now gone is removed."""
    import httpx

    for url in urls:
        if not is_url(url):
            raise ConfigError(f"{url!r} is not an http(s) address")
    folder.mkdir(parents=True, exist_ok=True)
    state = _load_state(folder)
    result = Crawl()
    robots: dict[str, urllib.robotparser.RobotFileParser] = {}  # by scheme://host
    queue = [(u, 0, urlparse(u).netloc) for u in urls]
    seen: set[str] = set()
    deadline = time.monotonic() + budget_s
    with httpx.Client(timeout=timeout_s, follow_redirects=True, headers={"User-Agent": AGENT}) as client:
        while queue:
            url, level, host = queue.pop(0)
            url = urldefrag(url)[0]
            if url in seen:
                continue
            seen.add(url)
            if len(result.saved) + len(result.unchanged) >= max_pages or time.monotonic() > deadline:
                result.skipped.append((url, f"over the crawl's bounds ({max_pages} pages, {budget_s:.0f} s)"))
                continue
            if not _allowed(client, robots, url):
                result.skipped.append((url, "robots.txt forbids it"))
                continue
            links = _fetch(client, url, folder, state, result, max_page_mb)
            sitemap = links is not None and links[0] == "sitemap"
            for link in links[1] if links else []:
                if sitemap or (level < depth and urlparse(link).netloc == host):
                    queue.append((link, level if sitemap else level + 1, host))
    _save_state(folder, state)
    return result


def _allowed(client, robots: dict[str, urllib.robotparser.RobotFileParser], url: str) -> bool:
    parts = urlparse(url)
    base = f"{parts.scheme}://{parts.netloc}"
    if base not in robots:
        parser = urllib.robotparser.RobotFileParser()
        try:
            reply = client.get(base + "/robots.txt")
            parser.parse(reply.text.splitlines() if reply.status_code == 200 else [])
        except Exception:  # noqa: BLE001 - no robots.txt to be had: everything allowed, as crawlers do
            parser.parse([])
        robots[base] = parser
    return robots[base].can_fetch(AGENT, url)


def _fetch(client, url: str, folder: Path, state: dict, result: Crawl, max_page_mb: float):
    """Fetch one page into the folder; ("sitemap" | "page", links) or None when it gave nothing."""
    known = state.get(url, {}) if page_file(folder, url).is_file() else {}  # no copy kept: fetch it whole
    headers = {
        k: v for k, v in (("If-None-Match", known.get("etag")), ("If-Modified-Since", known.get("modified"))) if v
    }
    try:
        with client.stream("GET", url, headers=headers) as reply:
            if reply.status_code == 304:
                result.unchanged.append(url)
                return "page", _links(url, page_file(folder, url).read_text(encoding="utf-8", errors="replace"))
            if reply.status_code in (404, 410):
                _forget(url, folder, state, result)
                result.skipped.append((url, f"HTTP {reply.status_code}"))
                return None
            if reply.status_code >= 400:
                result.skipped.append((url, f"HTTP {reply.status_code}"))
                return None
            kind = reply.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind not in ("text/html", "application/xhtml+xml", "application/xml", "text/xml"):
                result.skipped.append((url, f"not a web page ({kind or 'no content type'})"))
                return None
            body = _read_bounded(reply, max_page_mb)
            if body is None:
                result.skipped.append((url, f"over {max_page_mb:g} MB (setting max_file_mb)"))
                return None
            etag, modified = reply.headers.get("etag"), reply.headers.get("last-modified")
    except Exception as exc:  # noqa: BLE001 - an unreachable page is reported, the crawl goes on
        result.skipped.append((url, f"unreachable ({type(exc).__name__})"))
        return None
    text = body.decode(reply.encoding or "utf-8", errors="replace")
    if kind.endswith("xml") or "<urlset" in text[:500]:
        return "sitemap", [urljoin(url, loc) for loc in _LOC.findall(text)]
    _keep(url, text, body, folder, state, result, etag, modified)
    return "page", _links(url, text)


def _read_bounded(reply, max_mb: float) -> bytes | None:
    limit, parts, size = int(max_mb * 1e6), [], 0
    for piece in reply.iter_bytes():
        size += len(piece)
        if size > limit:
            return None
        parts.append(piece)
    return b"".join(parts)


def _keep(url, text, body, folder, state, result, etag, modified) -> None:
    """Save the page (its URL marked in its head) unless the same content is saved already."""
    digest = hashlib.sha256(body).hexdigest()
    previous = state.get(url, {}).get("sha256")
    state[url] = {"etag": etag, "modified": modified, "sha256": digest}
    path = page_file(folder, url)
    if path.is_file() and previous == digest:
        result.unchanged.append(url)
        return
    marked = f'<meta name="rag:url" content="{html.escape(url, quote=True)}">'
    head = _HEAD.search(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text[: head.end()] + marked + text[head.end() :] if head else marked + text, encoding="utf-8")
    result.saved.append(url)


def _forget(url: str, folder: Path, state: dict, result: Crawl) -> None:
    path = page_file(folder, url)
    if path.is_file():
        path.unlink()
        result.removed.append(url)
    state.pop(url, None)


def _links(base: str, text: str) -> list[str]:
    return [
        urldefrag(urljoin(base, html.unescape(href)))[0]
        for href in _LINK.findall(text)
        if urljoin(base, href).startswith(("http://", "https://"))
    ]


def _load_state(folder: Path) -> dict:
    try:
        return json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_state(folder: Path, state: dict) -> None:
    (folder / STATE_FILE).write_text(json.dumps(state, ensure_ascii=False, indent=1), encoding="utf-8")
