"""The project's own routes: `POST /v1/search` (the object of `rag search --json`), knowledge
bases (`GET/POST /v1/knowledge_bases`, `DELETE /v1/knowledge_bases/{name}`) and their documents
(`GET/POST /v1/knowledge_bases/{name}/documents`, `DELETE .../documents/{doc}`).

Uploads are checked (type, size) while the client waits and answered with a job (rag.server.jobs,
`GET .../jobs/{id}`); the job stores them into the knowledge base's uploads folder and indexes
them incrementally, one upload of a knowledge base at a time; searches and questions meanwhile
use the index as it was, until the new one is swapped in whole."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response, UploadFile
from pydantic import BaseModel, Field

from rag.accounts import WRITE, Visible
from rag.collections import uploads, web
from rag.errors import LoadError
from rag.knowledge import DEFAULT, safe_file_name
from rag.server.errors import ApiError
from rag.types import search_json

MAX_K = 50
MAX_FILES = 20  # files in one upload request


class SearchRequest(BaseModel):
    query: str = Field(min_length=1)
    k: int | None = Field(default=None, ge=1, le=MAX_K)
    knowledge_base: str = DEFAULT


class NewKnowledgeBase(BaseModel):
    name: str


class WebPages(BaseModel):
    urls: list[str] = Field(min_length=1, max_length=MAX_FILES, description="pages, sitemaps or sites (http/https)")
    depth: int = Field(default=0, ge=0, le=3, description="links followed within each site, clicks deep")
    max_pages: int = Field(default=200, ge=1, le=2000)


def _documents(rag) -> list[dict]:
    """The indexed documents; none for a knowledge base nothing has been uploaded to yet."""
    if not (rag.index_dir / "manifest.json").is_file():
        return []
    return rag.documents()


def describe(name: str, rag, sync: dict | None = None) -> dict:
    docs = _documents(rag)
    return {
        "name": name,
        "object": "knowledge_base",
        "documents": len(docs),
        "chunks": sum(int(d.get("chunks", 0)) for d in docs),
        "last_sync": sync,
    }


def _received(files: list[UploadFile], folder: Path, config) -> list[Path]:
    """The uploaded files written into `folder` under their names made safe (any length, no
    control characters or separators: rag.knowledge.safe_file_name), each checked for type and
    size (the chat page's checks) before any is stored in the knowledge base."""
    paths = []
    for upload in files:
        name = safe_file_name(upload.filename or "")
        if not name:
            raise ApiError(400, f"upload {(upload.filename or '')[:80]!r}: give each file a name")
        path = folder / name
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
        uploads.check_upload(path, config)
        paths.append(path)
    return paths


def upload_limit(config) -> float:
    """The most bytes a request body may hold: a full upload and its form's framing."""
    return MAX_FILES * config.max_file_mb * 1e6 + 1e6


def _index(state, name: str, rag, folder: Path, received: list[Path], given: list[str], progress, warn):
    """The job: store the received files in the knowledge base and index them, one upload of a
    knowledge base at a time. An upload of which nothing could be read fails, saying why."""
    shown = f"{uploads.uploads_dir(rag.config)}/"  # the server's folders are not the client's business
    try:
        with state.uploading(name):
            stored = uploads.store_uploads(received, rag.config, given)
            report = uploads.index_uploads(rag, stored, progress, lambda line: warn(line.replace(shown, "")))
            report.warnings = [w.replace(shown, "") for w in report.warnings]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if report.warnings and not (report.added or report.updated):
        raise LoadError("; ".join(report.warnings))
    return report


def _index_pages(state, name: str, rag, body: WebPages, progress):
    """The job: crawl the pages into the knowledge base's web folder and index it; what was
    skipped (robots.txt, a 404, too big, not a page) is among the report's warnings."""
    with state.uploading(name):
        crawled, report = web.index_pages(rag, body.urls, body.depth, body.max_pages, progress)
    report.warnings[:0] = [f"skipped {url}: {why}" for url, why in crawled.skipped]
    if not (crawled.saved or crawled.unchanged):
        raise LoadError("; ".join(report.warnings) or "no page could be fetched")
    return report


def _answered(name: str, submitted, response: Response, wait: bool) -> dict:
    """A submitted job as the answer: 202 with where to follow it, or with `wait` 200 once it is over."""
    job, done = submitted
    response.headers["Location"] = f"/v1/knowledge_bases/{quote(name)}/jobs/{job.id}"  # headers are latin-1
    if wait:
        done.result()
        response.status_code = 200
    return job.to_json()


def viewer(state):
    """The dependency giving a route the knowledge bases as its caller may see them."""

    def view(request: Request) -> Visible:
        return state.view(request.state.caller)

    return view


def router(state) -> APIRouter:
    api = APIRouter()
    seen = Depends(viewer(state))

    @api.post("/search", summary="The passages hybrid retrieval returns (rag search --json)")
    def search(body: SearchRequest, bases: Visible = seen):
        hits = bases.get(body.knowledge_base).search(body.query, k=body.k)
        return search_json(body.query, hits)

    @api.get("/knowledge_bases", summary="The knowledge bases the caller may read")
    def list_bases(bases: Visible = seen):
        return {
            "object": "list",
            "data": [{**describe(n, bases.get(n), state.syncs.get(n)), "right": bases.right(n)} for n in bases.names()],
        }

    @api.post("/knowledge_bases", status_code=201, summary="Create an empty knowledge base (admins)")
    def create(body: NewKnowledgeBase, bases: Visible = seen):
        return describe(body.name, bases.create(body.name))

    @api.delete("/knowledge_bases/{name}", summary="Delete a knowledge base, its index and uploads (admins)")
    def delete(name: str, bases: Visible = seen):
        bases.delete(name)
        return {"name": name, "object": "knowledge_base", "deleted": True}

    @api.get("/knowledge_bases/{name}/documents", summary="The documents of a knowledge base")
    def documents(name: str, bases: Visible = seen):
        return {"object": "list", "data": _documents(bases.get(name))}

    @api.post(
        "/knowledge_bases/{name}/documents",
        status_code=202,
        summary="Upload files: checked at once, indexed by a job (202; wait=true: 200 when it is over)",
    )
    def upload(name: str, files: list[UploadFile], response: Response, wait: bool = False, bases: Visible = seen):
        rag = bases.get(name, WRITE)
        if len(files) > MAX_FILES:
            raise ApiError(413, f"{len(files)} files in one upload: at most {MAX_FILES}")
        folder = Path(tempfile.mkdtemp(prefix="rag-upload-"))
        try:
            received = _received(files, folder, rag.config)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        bases.record("doc.upload", name, ", ".join(p.name for p in received))
        given = [upload.filename or "" for upload in files]
        job = state.jobs.submit(
            name,
            [p.name for p in received],
            lambda progress, warn: _index(state, name, rag, folder, received, given, progress, warn),
        )
        return _answered(name, job, response, wait)

    @api.post(
        "/knowledge_bases/{name}/urls",
        status_code=202,
        summary="Fetch web pages (a page, a sitemap, a site to a depth) and index them: a job, as uploads",
    )
    def add_urls(name: str, body: WebPages, response: Response, wait: bool = False, bases: Visible = seen):
        rag = bases.get(name, WRITE)
        bad = [u for u in body.urls if not web.is_url(u)]
        if bad:
            raise ApiError(400, f"urls: {bad[0][:80]!r} is not an http(s) address")
        bases.record("urls.add", name, " ".join(body.urls))
        job = state.jobs.submit(name, body.urls, lambda progress, _warn: _index_pages(state, name, rag, body, progress))
        return _answered(name, job, response, wait)

    @api.get("/knowledge_bases/{name}/jobs/{job_id}", summary="An upload's indexing job: state, progress, report")
    def job(name: str, job_id: str, bases: Visible = seen):
        bases.get(name)  # 404 for an unknown knowledge base first
        return state.jobs.get(name, job_id).to_json()

    @api.get("/knowledge_bases/{name}/jobs", summary="The knowledge base's recent indexing jobs")
    def jobs(name: str, bases: Visible = seen):
        bases.get(name)
        return {"object": "list", "data": [j.to_json() for j in state.jobs.of(name)]}

    @api.delete("/knowledge_bases/{name}/documents/{doc:path}", summary="Remove a document from the index")
    def remove(name: str, doc: str, bases: Visible = seen):
        uploads.delete_document(bases.get(name, WRITE), doc)
        bases.record("doc.delete", name, doc)
        return {"doc": doc, "object": "document", "deleted": True}

    return api
