"""Hostile input cannot take the server down: a file that would unfold into gigabytes (a zip
bomb, a PNG declaring a billion pixels, more text than any document holds) is refused before the
work, in one line naming the file and the setting; a file name of any length or character is
stored under a safe one; a password of any script is checked, not a 500; every path under /v1
answers in OpenAI's error shape. Each hostile input is answered within a few seconds. The
fixtures are written here (tests/doc_fixtures.py), never committed."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from doc_fixtures import huge_png, zip_bomb_docx
from server_harness import fake_models, live_server

from rag.config import Config
from rag.errors import LoadError
from rag.ingest.extracted import Reading
from rag.ingest.load import load_file
from rag.ingest.ocr import TextBox
from rag.knowledge import MAX_FILE_NAME_BYTES, safe_file_name
from rag.server.hostile import LONG_NAME, glyph_bomb_pdf

FEW_SECONDS = 5.0
CONFIG = Config()


def load_one(path: Path, config: Config = CONFIG, reading: Reading | None = None):
    return load_file(path, path.name, config, reading)


def refused(path: Path, config: Config = CONFIG, reading: Reading | None = None) -> str:
    """The one-line refusal of `path`, which must come within a few seconds."""
    started = time.monotonic()
    with pytest.raises(LoadError) as caught:
        load_one(path, config, reading)
    assert time.monotonic() - started < FEW_SECONDS
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return zip_bomb_docx(tmp_path_factory.mktemp("bomb") / "炸弹.docx")


# --- zip bombs ------------------------------------------------------------------------------------
def test_a_zip_bomb_docx_is_small_on_disk(bomb):
    with zipfile.ZipFile(bomb) as archive:
        inflated = archive.getinfo("word/document.xml").file_size
    assert bomb.stat().st_size < 2_000_000 and inflated > 300_000_000


def test_a_zip_bomb_docx_is_refused_naming_the_part_and_the_limit(bomb):
    message = refused(bomb)
    assert "word/document.xml" in message and "100 MB limit" in message and "max_unzipped_member_mb" in message


def test_a_zip_bomb_is_refused_from_the_archive_directory_without_inflating_a_byte(bomb, monkeypatch):
    def inflate(*args, **kwargs):
        raise AssertionError("a member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", inflate)
    assert "max_unzipped_member_mb" in refused(bomb)


def office_file(path: Path, extra: dict[str, bytes]) -> Path:
    """A real .docx, .xlsx or .pptx (written by its own library) with `extra` parts added."""
    plain = io.BytesIO()
    if path.suffix == ".docx":
        import docx

        document = docx.Document()
        document.add_paragraph("全县贫困人口减少至2.5万人。")
        document.save(plain)
    elif path.suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        book.active.append(["县", "贫困人口（万人）"])
        book.active.append(["藤县", 2.5])
        book.save(plain)
    else:
        from pptx import Presentation

        deck = Presentation()
        deck.slides.add_slide(deck.slide_layouts[0]).shapes.title.text = "藤县产业扶贫"
        deck.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for member in source.infolist():
            out.writestr(member, extra.pop(member.filename, None) or source.read(member))
        for name, data in extra.items():
            out.writestr(name, data)
    return path


@pytest.mark.parametrize("suffix", [".docx", ".xlsx", ".pptx"])
def test_every_office_format_is_held_to_the_compression_ratio(tmp_path, suffix):
    path = office_file(tmp_path / f"padded{suffix}", {"docProps/custom.xml": b" " * 5_000_000})
    message = refused(path)
    assert "docProps/custom.xml" in message and "max_zip_ratio" in message and "100 times" in message


@pytest.mark.parametrize("suffix", [".docx", ".xlsx", ".pptx"])
def test_the_members_sizes_are_summed_against_the_total_limit(tmp_path, suffix):
    import os

    parts = {f"docProps/part{n}.bin": os.urandom(600_000) for n in range(3)}  # incompressible: ratio 1
    message = refused(office_file(tmp_path / f"parts{suffix}", parts), CONFIG.replace(max_unzipped_mb=1.5))
    assert "over the 1.5 MB limit" in message and "max_unzipped_mb" in message


@pytest.mark.parametrize("suffix", [".docx", ".xlsx", ".pptx"])
def test_an_ordinary_office_file_is_within_every_limit(tmp_path, suffix):
    assert load_one(office_file(tmp_path / f"ordinary{suffix}", {})).text


@pytest.mark.parametrize("suffix", [".docx", ".xlsx", ".pptx"])
def test_an_office_file_asking_for_a_zip_version_python_cannot_read_is_refused_as_unreadable(tmp_path, suffix):
    path = office_file(tmp_path / f"newer{suffix}", {})
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the first central directory entry: its bytes 6-7 say the version needed
    data[entry + 6:entry + 8] = (64).to_bytes(2, "little")  # zip 6.4, which Python's zipfile refuses
    path.write_bytes(bytes(data))
    assert "not a readable" in refused(path)


def _laugh(n: int) -> str:
    return "&lol;" * 10 if n == 1 else f"&lol{n - 1};" * 10


LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">'  # a billion laughs once expanded
          + "".join(f'<!ENTITY lol{n} "{_laugh(n)}">' for n in range(1, 10)) + "]>")


def with_part_changed(path: Path, name: str, change) -> Path:
    with zipfile.ZipFile(path) as archive:
        parts = {m.filename: archive.read(m) for m in archive.infolist()}
    parts[name] = change(parts[name])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for part, data in parts.items():
            out.writestr(part, data)
    return path


def with_doctype(xml: bytes, doctype: str, old: str = "", new: str = "") -> bytes:
    head, body = xml.split(b"?>", 1) if xml.startswith(b"<?xml") else (b"", xml)
    return (head + b"?>" if head else b"") + doctype.encode() + body.replace(old.encode(), new.encode())


def test_an_xml_entity_in_a_docx_is_not_expanded(tmp_path):
    said = "全县贫困人口减少至2.5万人。"
    path = with_part_changed(office_file(tmp_path / "entity.docx", {}), "word/document.xml", lambda xml: with_doctype(
        xml, '<!DOCTYPE w:document [<!ENTITY e "扩展的实体">]>', said, said + "&e;"))
    doc = load_one(path)
    assert said in doc.text and "扩展的实体" not in doc.text


def test_a_billion_laughs_docx_is_refused_as_unreadable_at_once(tmp_path):
    path = with_part_changed(office_file(tmp_path / "laughs.docx", {}), "word/document.xml", lambda xml: with_doctype(
        xml, LAUGHS, "全县", "&lol9;全县"))
    assert "not a readable DOCX" in refused(path)


def test_an_xlsx_declaring_xml_entities_is_refused_as_unreadable(tmp_path):
    path = with_part_changed(office_file(tmp_path / "laughs.xlsx", {}), "xl/worksheets/sheet1.xml",
                             lambda xml: with_doctype(xml, LAUGHS))
    assert "not a readable XLSX (EntitiesForbidden" in refused(path)  # defusedxml, under openpyxl


def test_a_pptx_declaring_xml_entities_is_refused_or_read_without_them(tmp_path):
    path = with_part_changed(office_file(tmp_path / "laughs.pptx", {}), "ppt/slides/slide1.xml",
                             lambda xml: with_doctype(xml, LAUGHS, "藤县产业扶贫", "藤县产业扶贫&lol9;"))
    started = time.monotonic()
    try:
        assert "lol" not in load_one(path).text
    except LoadError as exc:
        assert "not a readable PPTX" in str(exc)
    assert time.monotonic() - started < FEW_SECONDS


# --- images ---------------------------------------------------------------------------------------
def test_a_png_declaring_40000_by_40000_pixels_is_refused_naming_the_limit(tmp_path):
    path = huge_png(tmp_path / "huge.png")
    assert path.stat().st_size < 200
    message = refused(path)
    assert "1,600 megapixels" in message and "100-megapixel limit" in message and "max_image_megapixels" in message


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow warns above 89 megapixels
def test_an_image_over_the_setting_but_under_pillows_own_guard_is_refused_before_decoding(tmp_path):
    message = refused(huge_png(tmp_path / "wide.png", 12000, 10000))  # 120 megapixels
    assert "12000x10000 pixels" in message and "max_image_megapixels" in message and "damaged" not in message


def test_the_pixel_limit_is_a_setting(tmp_path):
    from PIL import Image

    path = tmp_path / "page.png"
    Image.new("1", (4000, 3000), 1).save(path)  # 12 megapixels, a phone photo
    assert "12 megapixels) is over the 10-megapixel limit" in refused(path, CONFIG.replace(max_image_megapixels=10))


class OneLineOcr:
    name = "fake"

    def read(self, image):
        return [TextBox("第一页的文字内容足够长。", 10, 10, 300, 40)]


def test_each_page_of_a_tiff_is_held_to_the_pixel_limit(tmp_path):
    from PIL import Image

    path = tmp_path / "fax.tif"
    first = Image.new("1", (800, 600), 1)
    first.save(path, save_all=True, compression="group4",
               append_images=[Image.new("1", (12000, 10000), 1)])  # page 2: 120 megapixels, a few KB
    assert path.stat().st_size < 100_000
    message = refused(path, reading=Reading(path.name, OneLineOcr()))
    assert "page 2: image of 12000x10000 pixels" in message and "max_image_megapixels" in message


# --- text -----------------------------------------------------------------------------------------
def test_a_document_over_the_character_limit_is_refused_naming_the_limit(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("藤县贫困发生率下降至0.59%。" * 10, encoding="utf-8")  # 160 characters
    message = refused(path, CONFIG.replace(max_document_chars=100))
    assert "160 characters" in message and "100-character limit" in message and "max_document_chars" in message
    assert load_one(path, CONFIG.replace(max_document_chars=160)).text


def test_the_character_limit_holds_for_every_format(tmp_path):
    path = office_file(tmp_path / "rows.xlsx", {})
    assert "max_document_chars" in refused(path, CONFIG.replace(max_document_chars=5))


def test_a_page_of_many_paragraphs_is_read_in_time_linear_in_its_size(tmp_path):
    path = tmp_path / "long.html"  # 30,000 sibling paragraphs: inserting beside each took minutes
    path.write_text("<html><body>" + "".join(f"<p>第{i}段：光明县新建蔬菜大棚。</p>" for i in range(30000)) + "</body></html>")
    started = time.monotonic()
    doc = load_one(path)
    assert time.monotonic() - started < 2 * FEW_SECONDS and "第29999段" in doc.text


def test_a_page_nested_8000_blocks_deep_is_read_in_seconds(tmp_path):
    path = tmp_path / "deep.html"  # each block's links counted over its own subtree took most of a minute
    path.write_text("<html><body>" + "<div><a>光明县</a>新建蔬菜大棚" * 8000 + "</div>" * 8000 + "</body></html>")
    started = time.monotonic()
    doc = load_one(path)
    assert time.monotonic() - started < 2 * FEW_SECONDS and "新建蔬菜大棚" in doc.text


def many_page_pdf(path: Path, pages: int, dense_page: int | None = None) -> Path:
    """`pages` pages of one line each; page `dense_page` (1-based) drawn full of characters."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("helvetica", size=12)
    for n in range(1, pages + 1):
        pdf.add_page()
        if n == dense_page:
            pdf.set_font("helvetica", size=3)
            pdf.multi_cell(0, 1.2, "x " * 12000)
            pdf.set_font("helvetica", size=12)
        else:
            pdf.cell(0, 10, ("Roads were built.", "Schools opened.", "Wells were dug.")[n % 3])
    pdf.output(str(path))
    return path


def test_a_pdf_over_the_page_limit_is_refused_before_a_page_is_read(tmp_path, monkeypatch):
    read: list = []
    monkeypatch.setattr("rag.ingest.pdf.read_page", lambda *a: read.append(a))
    message = refused(many_page_pdf(tmp_path / "many.pdf", 30), CONFIG.replace(max_pdf_pages=20))
    assert "30 pages" in message and "20-page limit" in message and "max_pdf_pages" in message and read == []


def test_a_pdf_page_drawing_too_many_characters_is_left_out_and_the_rest_is_read(tmp_path):
    warnings: list[str] = []
    doc = load_one(many_page_pdf(tmp_path / "dense.pdf", 3, dense_page=2), CONFIG.replace(max_page_chars=5000),
                   Reading("dense.pdf", warn=warnings.append, config=CONFIG.replace(max_page_chars=5000)))
    assert "Schools opened." in doc.text and "Roads were built." in doc.text and "x x x" not in doc.text
    assert len(warnings) == 1 and "page 2" in warnings[0] and "max_page_chars" in warnings[0]


def test_a_pdf_page_of_600000_glyphs_in_a_few_kb_is_left_out_before_it_is_laid_out(tmp_path, monkeypatch):
    laid_out: list = []
    monkeypatch.setattr("rag.ingest.pdf.read_page", lambda *a: laid_out.append(a))
    path = tmp_path / "glyphs.pdf"
    path.write_bytes(glyph_bomb_pdf())
    warnings: list[str] = []
    started = time.monotonic()
    message = refused(path, CONFIG, Reading("glyphs.pdf", warn=warnings.append, config=CONFIG))
    assert path.stat().st_size < 20_000 and time.monotonic() - started < FEW_SECONDS and laid_out == []
    assert "no text" in message and "600,000 characters" in warnings[0] and "max_page_chars" in warnings[0]


def test_a_pdf_page_drawing_too_many_objects_is_left_out_and_the_rest_is_read(tmp_path):
    warnings: list[str] = []
    config = CONFIG.replace(max_page_objects=50)
    doc = load_one(many_page_pdf(tmp_path / "busy.pdf", 3, dense_page=2), config,
                   Reading("busy.pdf", warn=warnings.append, config=config))
    assert "Schools opened." in doc.text and "x x x" not in doc.text
    assert len(warnings) == 1 and "page 2" in warnings[0] and "objects" in warnings[0] and "max_page_objects" in warnings[0]


# --- file names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("given, stored", [
    ("光明县.txt", "光明县.txt"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("C:\\Users\\me\\报告.docx", "报告.docx"),
    ("a\x00b\x07c\x1b.txt", "abc.txt"),
    ("\u202etxt.exe", "txt.exe"),  # a right-to-left override hides the true extension
    ('a<b>:c?"d|e*.md', "a_b__c__d_e_.md"),
    (".hidden.txt", "_.hidden.txt"),
    ("CON.txt", "_CON.txt"),
    ("nul", "_nul"),
    ("  报告.pdf. ", "报告.pdf"),
    ("..", ""), ("/", ""), ("\x00", ""),
])
def test_an_upload_name_is_made_safe(given, stored):
    assert safe_file_name(given) == stored


def test_a_long_name_is_cut_to_200_bytes_keeping_its_extension_behind_a_hash():
    safe = safe_file_name(LONG_NAME + ".txt")
    assert len(safe.encode("utf-8")) <= MAX_FILE_NAME_BYTES and safe.endswith(".txt")
    assert safe.startswith(LONG_NAME[:40]) and safe != safe_file_name(LONG_NAME + "。.txt")
    assert safe_file_name(safe) == safe  # stored names stay as they are


def test_the_chat_pages_uploads_are_stored_under_safe_names(tmp_path):
    from rag.collections.uploads import store_uploads

    given = []
    for name in ("报告\x01\x1b.txt", ".隐藏.txt"):
        given.append(tmp_path / "browser" / name)
        given[-1].parent.mkdir(exist_ok=True)
        given[-1].write_text("藤县贫困发生率下降至0.59%。", encoding="utf-8")
    stored = store_uploads(given, CONFIG.replace(uploads_dir=str(tmp_path / "uploads")))
    assert [p.name for p in stored] == ["报告.txt", "_.隐藏.txt"]  # a hidden file would never be indexed
    assert all(p.parent == tmp_path / "uploads" and p.is_file() for p in stored)


# --- the live server ------------------------------------------------------------------------------
KEY = "密钥-ключ"  # a key no ASCII comparison can take
AUTH = {"Authorization": b"Bearer " + KEY.encode("utf-8")}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    with fake_models(), live_server(root, api_key=KEY, page=True, max_file_mb=2.0) as running:
        running.root = root
        yield running


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
        yield client


def upload(http, name: str, data: bytes, kb: str = "default") -> dict:
    """The upload's job once it is over (or the refusal), within a few seconds of sending it."""
    started = time.monotonic()
    reply = http.post(f"/v1/knowledge_bases/{kb}/documents?wait=true",
                      files=[("files", (name, data, "application/octet-stream"))])
    assert time.monotonic() - started < FEW_SECONDS
    return reply.json()


def documents(http, kb: str = "default") -> list[str]:
    return [d["doc"] for d in http.get(f"/v1/knowledge_bases/{kb}/documents").json()["data"]]


def test_a_zip_bomb_upload_is_answered_at_once_naming_the_limit_and_nothing_is_kept(http, bomb):
    job = upload(http, "炸弹.docx", bomb.read_bytes())
    assert job["state"] == "failed" and "max_unzipped_member_mb" in job["error"]["message"]
    assert "炸弹.docx" not in documents(http)


def test_a_huge_png_upload_is_answered_at_once_naming_the_limit(http, tmp_path):
    job = upload(http, "huge.png", huge_png(tmp_path / "huge.png").read_bytes())
    assert job["state"] == "failed" and "max_image_megapixels" in job["error"]["message"]


def test_a_300_character_chinese_file_name_is_indexed_under_a_safe_name_and_titled_in_full(http):
    http.post("/v1/knowledge_bases", json={"name": "长名"})
    text = "光明县2024年新建蔬菜大棚三百二十座，带动四百一十户脱贫户增收，户均增收六千五百元。" * 2
    job = upload(http, LONG_NAME + ".txt", text.encode(), kb="长名")
    assert job["state"] == "done" and job["report"]["added"] == 1
    [doc] = documents(http, "长名")
    assert doc == safe_file_name(LONG_NAME + ".txt") and len(doc.encode()) <= MAX_FILE_NAME_BYTES
    hits = http.post("/v1/search", json={"query": "光明县蔬菜大棚", "knowledge_base": "长名"}).json()["hits"]
    assert hits[0]["doc"] == doc and hits[0]["title"] == LONG_NAME
    assert http.delete(f"/v1/knowledge_bases/长名/documents/{doc}").status_code == 200


def test_an_unreadable_file_replacing_an_indexed_one_leaves_the_indexed_one(http, bomb):
    http.post("/v1/knowledge_bases", json={"name": "替换"})
    text = "平安县2024年新修产业路十二公里，惠及三个脱贫村。" * 3
    assert upload(http, "报告.txt", text.encode(), kb="替换")["state"] == "done"
    job = upload(http, "报告.txt", bytes(range(256)) * 40, kb="替换")  # binary, not text
    assert job["state"] == "failed" and "its indexed version was kept" in job["error"]["message"]
    assert "/" not in job["error"]["message"]  # the server's folders are not named
    assert documents(http, "替换") == ["报告.txt"]
    hits = http.post("/v1/search", json={"query": "平安县产业路", "knowledge_base": "替换"}).json()["hits"]
    assert hits[0]["doc"] == "报告.txt"


def test_an_upload_replaced_by_an_unreadable_file_is_put_back_on_disk(tmp_path):
    from fakes import FakeEmbedder

    from rag.collections import uploads
    from rag.pipeline import Rag

    config = Config(embed_model="fake-hash", models_dir=str(tmp_path / "m"), index_dir=str(tmp_path / "kb"))
    rag = Rag(config, make_embedder=lambda config, precision=None: FakeEmbedder())
    good, bad = tmp_path / "good" / "报告.txt", tmp_path / "bad" / "报告.txt"
    for path, data in ((good, "平安县2024年新修产业路十二公里。".encode() * 3), (bad, bytes(range(256)) * 40)):
        path.parent.mkdir()
        path.write_bytes(data)
    uploads.index_uploads(rag, uploads.store_uploads([good], config))
    report = uploads.index_uploads(rag, uploads.store_uploads([bad], config))
    assert report.unreadable == ["报告.txt"] and [d["doc"] for d in rag.documents()] == ["报告.txt"]
    folder = uploads.uploads_dir(config)
    assert (folder / "报告.txt").read_bytes() == good.read_bytes() and not any((folder / ".replaced").iterdir())


def raw_upload(http, kb: str, filename: bytes, data: bytes) -> httpx.Response:
    """A multipart body written byte by byte: clients escape what a hostile one would send."""
    body = (b'--B0UNDARY\r\nContent-Disposition: form-data; name="files"; filename="' + filename + b'"\r\n'
            b"Content-Type: text/plain\r\n\r\n" + data + b"\r\n--B0UNDARY--\r\n")
    return http.post(f"/v1/knowledge_bases/{kb}/documents?wait=true", content=body,
                     headers={"content-type": "multipart/form-data; boundary=B0UNDARY"})


def test_a_chunked_upload_that_never_says_its_length_is_cut_off_at_the_limit(http):
    def body():  # 45 MB against the test server's 41 (20 files of 2 MB and the form's framing)
        yield b'--B0UNDARY\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n\r\n'
        for _ in range(45):
            yield "贫".encode() * 350_000
        yield b"\r\n--B0UNDARY--\r\n"

    reply = http.post("/v1/knowledge_bases/default/documents", content=body(),
                      headers={"content-type": "multipart/form-data; boundary=B0UNDARY"})
    assert "content-length" not in reply.request.headers
    assert reply.status_code == 413 and reply.json()["error"]["code"] == "request_too_large"
    assert "max_file_mb" in reply.json()["error"]["message"]
    assert http.get("/v1/models").status_code == 200


def test_an_upload_saying_it_is_over_the_limit_is_refused_before_it_is_read(http):
    body = b"x" * 45_000_000  # against the test server's 41 MB
    reply = http.post("/v1/knowledge_bases/default/documents", content=body,
                      headers={"content-type": "multipart/form-data; boundary=B0UNDARY"})
    assert reply.request.headers["content-length"] == "45000000"
    assert reply.status_code == 413 and reply.json()["error"]["code"] == "request_too_large"


def test_a_name_with_separators_and_control_characters_is_stored_inside_the_uploads_folder(http, server):
    http.post("/v1/knowledge_bases", json={"name": "路径"})
    text = "白马村光伏电站今年发电收益二十三万元，全部用于村级公益岗位工资。" * 2
    reply = raw_upload(http, "路径", b"../../evil\x01\x1b\x7f\xe2\x80\xae.txt", text.encode())
    assert reply.json()["state"] == "done" and documents(http, "路径") == ["evil.txt"]
    assert (server.root / "indexes" / "路径-uploads" / "evil.txt").is_file()
    assert not (server.root / "evil.txt").exists() and not (server.root.parent / "evil.txt").exists()


def test_a_nameless_upload_is_a_400(http):
    reply = http.post("/v1/knowledge_bases/default/documents", files=[("files", ("..", b"x", "text/plain"))])
    assert reply.status_code == 400 and "give each file a name" in reply.json()["error"]["message"]


@pytest.mark.parametrize("password, status", [("错误的密码", 401), ("пароль", 401), (KEY, 303)])
def test_the_page_login_takes_a_password_in_any_script(server, password, status):
    reply = httpx.post(server.url + "/login", data={"username": "我", "password": password}, timeout=FEW_SECONDS)
    assert reply.status_code == status and ("rag_session" in reply.cookies) == (status == 303)


def test_a_unicode_key_in_the_authorization_header_is_taken(server):
    assert httpx.get(server.url + "/v1/models", headers=AUTH).status_code == 200
    wrong = {"Authorization": b"Bearer " + "密码".encode("utf-8")}
    assert httpx.get(server.url + "/v1/models", headers=wrong).status_code == 401


def openai_error(reply: httpx.Response, status: int, kind: str) -> str:
    assert reply.status_code == status and reply.headers["content-type"] == "application/json"
    error = reply.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["type"] == kind
    return error["message"]


@pytest.mark.parametrize("method, path", [("GET", "/v1/nothing"), ("POST", "/v1/chat/nothing"), ("GET", "/v1"),
                                          ("GET", "/v1/knowledge_bases/default/nothing")])


def test_an_unknown_route_under_v1_is_an_openai_404_with_the_page_mounted(http, method, path):
    assert path in openai_error(http.request(method, path), 404, "not_found_error")


@pytest.mark.parametrize("method, path, allowed", [("POST", "/v1/models", "GET"),
                                                   ("GET", "/v1/chat/completions", "POST"),
                                                   ("DELETE", "/v1/search", "POST"),
                                                   ("PUT", "/v1/knowledge_bases", "GET, POST")])


def test_a_wrong_method_under_v1_is_an_openai_405_naming_the_methods(http, method, path, allowed):
    reply = http.request(method, path, json={})
    assert allowed in openai_error(reply, 405, "invalid_request_error") and reply.headers["allow"] == allowed


def test_a_trailing_slash_on_a_known_route_is_redirected_to_it(http):
    reply = http.get("/v1/models/")
    assert reply.status_code == 307 and reply.headers["location"].endswith("/v1/models")


def test_an_unknown_route_still_wants_the_key(server):
    reply = httpx.get(server.url + "/v1/nothing")
    assert "API key" in openai_error(reply, 401, "invalid_request_error") and reply.json()["error"]["code"] == "invalid_api_key"


def test_the_page_and_the_api_still_answer_beside_the_catch_all(server, http):
    page = httpx.get(server.url + "/", timeout=30, follow_redirects=True)
    assert page.status_code == 200 and page.url.path == "/login"  # the page asks who it is first
    assert http.get("/v1/models").json()["data"][0]["id"] == "default"
    assert "/v1/{rest}" not in http.get("/openapi.json").json()["paths"]
