"""OCR: the engine behind the `ocr` setting, text boxes put back into reading order and
paragraphs, and real RapidOCR reading Chinese drawn with a CJK font: images and scanned PDF
pages become searchable text that says it came from a scan, and the real pipeline answers from a
scanned page citing it."""

from __future__ import annotations

import difflib
import json
import socket

import pytest
from doc_fixtures import (
    PHOTO_TEXT,
    SCAN_QUESTION,
    SCAN_ANSWER,
    SCAN_HEADER,
    SCAN_PAGE1,
    SCAN_PAGE2,
    blank_png,
    cjk_font,
    documents_folder,
    page_image,
    photo_png,
    scanned_notice,
    tiny_png,
)

from rag.cli.main import main
from rag.config import Config
from rag.errors import ConfigError, LoadError
from rag.ingest.chunk import chunk_document
from rag.ingest.extracted import Reading
from rag.ingest.load import load_file, load_paths
from rag.ingest.ocr import CHOICES, TextBox, make_ocr
from rag.ingest.ocr.layout import printed_lines
from rag.ingest.pages import page_texts
from rag.text.normalize import compact


def recovered(expected: str, text: str) -> float:
    """The share of the expected characters found, in order, in the recognised text."""
    a, b = compact(expected), compact(text)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(a)


# --- the factory ----------------------------------------------------------------------------------
def test_the_ocr_setting_names_its_valid_choices_when_wrong():
    with pytest.raises(ConfigError, match="'ocr'.*auto, off"):
        make_ocr(Config(ocr="tesseract"))
    assert CHOICES == ("auto", "off") and make_ocr(Config(ocr="off")) is None


def test_making_the_engine_loads_no_model():
    engine = make_ocr(Config())
    assert engine is not None and engine.name == "rapidocr-onnxruntime" and engine._engine is None


# --- reading order --------------------------------------------------------------------------------
def box(text: str, left: float, top: float, right: float | None = None, height: float = 30) -> TextBox:
    return TextBox(text, left, top, right if right is not None else left + 30 * len(text), top + height)


def test_boxes_are_read_top_to_bottom_and_left_to_right_whatever_order_they_come_in():
    boxes = [box("第二行", 100, 150, 1000), box("右半", 560, 102), box("第一行左半", 100, 100)]
    assert [line.text for line in printed_lines(boxes)] == ["第一行左半右半", "第二行"]


def test_lines_become_paragraphs_at_an_indent_a_short_line_or_a_wide_gap():
    boxes = [box("　第一段第一行到行尾", 160, 100, 1000), box("第一段第二行到行尾", 100, 150, 1000),
             box("第一段结束。", 100, 200, 400),  # short: the paragraph ends
             box("第二段没有缩进但上面空了一行", 100, 300, 1000), box("第二段结束。", 100, 350, 500),
             box("第三段缩进开始", 160, 400, 1000), box("并且写完。", 100, 450, 600)]
    text = page_texts([printed_lines(boxes)])[0].text
    assert text.split("\n") == ["第一段第一行到行尾第一段第二行到行尾第一段结束。",
                                "第二段没有缩进但上面空了一行第二段结束。", "第三段缩进开始并且写完。"]


def test_latin_words_in_separate_boxes_keep_a_space_between_them():
    assert printed_lines([box("GDP", 100, 100), box("growth", 300, 100)])[0].text == "GDP growth"


def test_a_figure_read_with_fang_for_wan_is_mended_where_a_unit_follows():
    assert printed_lines([box("发放资料4.7方份，投入500方元", 100, 100)])[0].text == "发放资料4.7万份，投入500万元"
    assert printed_lines([box("完成土石方10万方", 100, 100)])[0].text == "完成土石方10万方"


def test_no_boxes_is_no_text():
    assert printed_lines([]) == []


# --- bad images -----------------------------------------------------------------------------------
def test_tiny_blank_and_broken_images_are_skipped_naming_the_file_and_the_reason(tmp_path):
    tiny_png(tmp_path / "tiny.png")
    blank_png(tmp_path / "blank.png")
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    warnings: list[str] = []
    assert load_paths([tmp_path], Config(), warn=warnings.append) == []
    reasons = dict(w.removeprefix(f"skipped {tmp_path}/").split(": ", 1) for w in warnings)
    assert sorted(reasons) == ["blank.png", "broken.jpg", "tiny.png"]
    assert reasons["blank.png"] == "blank image: no text to read"
    assert reasons["tiny.png"] == "image of 8x8 pixels is too small to hold text"
    assert reasons["broken.jpg"].startswith("not a readable image (damaged")


def test_with_ocr_off_an_image_and_a_scanned_pdf_are_skipped_saying_how_to_read_them(tmp_path):
    photo_png(tmp_path / "photo.png")
    scanned_notice(tmp_path / "notice.pdf")
    warnings: list[str] = []
    assert load_paths([tmp_path], Config(ocr="off"), warn=warnings.append) == []
    assert len(warnings) == 2 and all('set ocr = "auto"' in w for w in warnings)


# --- real OCR -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def no_network():
    """Reading must never reach for a model hub: any connection attempt fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"OCR tried to open a network connection: {args}")

    patch = pytest.MonkeyPatch()
    patch.setattr(socket.socket, "connect", refuse)
    yield
    patch.undo()


@pytest.fixture(scope="module")
def engine():
    """One engine for the module's images: its models load once."""
    return make_ocr(Config())


def read(path, engine):
    return load_file(path, path.name, Config(), Reading(path.name, engine))


def test_a_photographed_page_is_read_into_searchable_text_marked_as_a_scan(tmp_path, engine, no_network):
    doc = read(photo_png(tmp_path / "photo.png"), engine)
    assert recovered("".join(PHOTO_TEXT), doc.text) >= 0.95
    assert doc.text.count("\n\n") == 0  # the two printed lines are one paragraph
    assert doc.ocr and doc.pages == ()
    (chunk,) = chunk_document(doc, Config())
    assert chunk.ocr and chunk.page is None and chunk.where() == "扫描件" and chunk.to_json()["ocr"] is True


@pytest.mark.models
def test_a_scanned_pdf_is_read_page_by_page_its_running_header_kept_once_as_its_issuer(tmp_path, no_network):
    ticks: list[tuple[str, int, int]] = []
    docs = load_paths([scanned_notice(tmp_path / "notice.pdf")], Config(),
                      progress=lambda *tick: ticks.append(tick))
    (doc,) = docs
    assert ticks == [("ocr notice.pdf", 0, 2), ("ocr notice.pdf", 1, 2), ("ocr notice.pdf", 2, 2), ("read", 1, 1)]
    assert doc.ocr and doc.ocr_pages == (1, 2) and len(doc.pages) == 2
    for page, paragraphs in ((1, SCAN_PAGE1), (2, SCAN_PAGE2)):
        start = doc.pages[page - 1]
        end = doc.pages[page] if page < len(doc.pages) else len(doc.text)
        assert recovered("".join(paragraphs), doc.text[start:end]) >= 0.95
    # the running header is kept once, where it names the issuer of the notice; page numbers go
    assert doc.text.count(SCAN_HEADER) == 1 and doc.text.startswith(SCAN_HEADER) and "- 1 -" not in doc.text
    assert doc.title == f"{SCAN_HEADER} {SCAN_PAGE1[0]}"
    answer = next(c for c in chunk_document(doc, Config()) if recovered(SCAN_ANSWER, c.text) >= 0.95)
    assert (answer.page, answer.page_end, answer.ocr) == (2, None, True) and answer.where() == "第2页 · 扫描件"


def test_an_image_that_is_not_text_gives_a_reason_instead_of_a_document(tmp_path, engine):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 400), "white")
    ImageDraw.Draw(image).ellipse((100, 100, 300, 300), fill="black")  # a drawing, no text
    image.save(tmp_path / "logo.png")
    with pytest.raises(LoadError, match="logo.png: OCR found no text in the image"):
        read(tmp_path / "logo.png", engine)


@pytest.mark.models
def test_the_real_pipeline_answers_from_a_scanned_page_citing_it(tmp_path, models_config, capsys, monkeypatch):
    """The bar: a folder of every kind indexed with the real e5, a question only the scan answers."""
    monkeypatch.chdir(tmp_path)
    documents_folder(tmp_path / "docs")
    assert main(["index", "docs", "--index", "idx"]) == 0
    capsys.readouterr()
    assert main(["ask", SCAN_QUESTION, "--index", "idx", "--json", "--generator", "qwen2.5-coder-0.5b-instruct"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert not result["refused"] and "二十三万" in result["answer"]
    assert any((c["doc"], c.get("page"), c.get("ocr")) == ("notice.pdf", 2, True) for c in result["citations"])


@pytest.mark.models
def test_a_multi_page_tiff_is_paged_like_a_pdf(tmp_path, engine):
    first, second = (page_image([text], size=(900, 300), font_px=36) for text in PHOTO_TEXT)
    first.save(tmp_path / "fax.tif", save_all=True, append_images=[second])
    doc = read(tmp_path / "fax.tif", engine)
    assert doc.ocr and doc.ocr_pages == (1, 2) and len(doc.pages) == 2
    assert recovered(PHOTO_TEXT[1], doc.text[doc.pages[1]:]) >= 0.95


def test_a_scanned_page_with_a_stamped_page_number_is_still_read_as_a_scan(tmp_path, engine):
    from fpdf import FPDF

    photo = photo_png(tmp_path / "photo.png")
    pdf = FPDF(format="A4")
    pdf.add_font("cjk", fname=cjk_font())
    pdf.add_page()
    pdf.image(str(photo), x=10, y=20, w=190)
    pdf.set_font("cjk", size=10)
    pdf.text(100, 285, "第 1 页")  # the scanner's stamp: the page's only text layer
    pdf.output(str(tmp_path / "stamped.pdf"))
    doc = read(tmp_path / "stamped.pdf", engine)
    assert doc.ocr_pages == (1,) and recovered("".join(PHOTO_TEXT), doc.text) >= 0.95
