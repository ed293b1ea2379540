"""Loading: formats, encodings, folder walking, and files that must be skipped with a warning."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from rag.config import Config
from rag.errors import LoadError
from rag.ingest.chunk import chunk_document
from rag.ingest.load import SUPPORTED_SUFFIXES, load_file, load_paths
from rag.ingest.sections import find_sections

CONFIG = Config()
SIMPLIFIED = ("藤县五大举措打赢脱贫攻坚收官之战\n\n2020年05月11日10:50 来源:人民网-广西频道\n\n"
              "藤县经过四年全力攻坚,累计实现12.2万贫困人口减贫、85个贫困村出列,贫困发生率下降至0.59%。")
TRADITIONAL = ("安嶽縣脫貧攻堅新聞發佈會\n\n"
               "2014年經精準識別,確定我縣貧困村162個、建檔立卡貧困人口11.8萬人;貧困村減少至78個。")


def write(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def load_one(path: Path, config: Config = CONFIG):
    return load_file(path, path.name, config)


# --- encodings ------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16", "utf-16-le", "utf-8"])
def test_simplified_text_in_any_common_encoding_loads_the_same(tmp_path, encoding):
    doc = load_one(write(tmp_path / "a.txt", SIMPLIFIED, encoding))
    assert doc.text == SIMPLIFIED and doc.script == "simplified"


def test_big5_traditional_text_loads_and_is_marked_traditional(tmp_path):
    doc = load_one(write(tmp_path / "b.txt", TRADITIONAL, "big5"))
    assert doc.text == TRADITIONAL and doc.script == "traditional" and doc.title == "安嶽縣脫貧攻堅新聞發佈會"


@pytest.mark.parametrize("text, encoding", [("正文第一段。", "gbk"), ("贫困村", "gbk"), ("甲文档。", "gbk"),
                                            ("安嶽縣扶貧", "big5"), ("貧困村", "big5"), ("中文", "big5")])
def test_short_gbk_and_big5_texts_are_not_mistaken_for_korean_or_each_other(tmp_path, text, encoding):
    assert load_one(write(tmp_path / "short.txt", text, encoding)).text == text


def test_metadata_and_identity_of_a_loaded_file(tmp_path):
    path = write(tmp_path / "a.txt", SIMPLIFIED, "gbk")
    doc = load_one(path)
    assert (doc.doc, doc.title, doc.date, doc.source) == ("a.txt", "藤县五大举措打赢脱贫攻坚收官之战", "2020-05-11",
                                                         "人民网-广西频道")
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and doc.path == str(path.resolve())


def test_a_file_without_a_title_line_is_titled_by_its_name(tmp_path):
    assert load_one(write(tmp_path / "报告.txt", "这是一句完整的话。\n\n第二段。")).title == "报告"


# --- walking folders and skipping -----------------------------------------------------------------
def test_a_folder_is_walked_recursively_in_sorted_order_with_relative_names(tmp_path):
    write(tmp_path / "b.txt", "乙文档。")
    write(tmp_path / "sub" / "deeper" / "c.md", "# 丙\n\n丙文档。")
    write(tmp_path / "a.txt", "甲文档。")
    write(tmp_path / ".hidden" / "x.txt", "隐藏。")
    write(tmp_path / ".DS_Store", b"\x00\x01")
    warnings: list[str] = []
    docs = load_paths([tmp_path], CONFIG, warn=warnings.append)
    assert [d.doc for d in docs] == ["a.txt", "b.txt", "sub/deeper/c.md"] and warnings == []


def test_a_file_given_directly_is_named_by_its_file_name(tmp_path):
    docs = load_paths([write(tmp_path / "sub" / "a.txt", "甲文档。")], CONFIG)
    assert [d.doc for d in docs] == ["a.txt"]


def test_a_file_reached_twice_loads_once_and_a_clashing_name_is_skipped_with_a_warning(tmp_path):
    write(tmp_path / "one" / "a.txt", "甲文档。")
    write(tmp_path / "two" / "a.txt", "另一个同名文档。")
    warnings: list[str] = []
    docs = load_paths([tmp_path / "one", tmp_path / "one" / "a.txt", tmp_path / "two"], CONFIG, warn=warnings.append)
    assert [d.text for d in docs] == ["甲文档。"]
    assert len(warnings) == 1 and warnings[0].startswith(f"skipped {tmp_path / 'two' / 'a.txt'}: same name a.txt")


def test_a_missing_path_is_an_error_naming_it(tmp_path):
    with pytest.raises(LoadError, match="nope"):
        load_paths([tmp_path / "nope"], CONFIG)


def test_bad_files_are_skipped_with_one_warning_each_and_the_rest_loads(tmp_path, monkeypatch):
    write(tmp_path / "good.txt", SIMPLIFIED)
    write(tmp_path / "image.jpg", b"\xff\xd8\xff\xe0 jpeg")
    write(tmp_path / "slides.key", b"keynote")
    write(tmp_path / "binary.txt", bytes(range(256)) * 8)
    write(tmp_path / "empty.txt", b"")
    write(tmp_path / "blank.md", "  \n\n ")
    write(tmp_path / "big.txt", "很大的文件。" * 2000)
    write(tmp_path / "broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog garbage")
    write(tmp_path / "broken.docx", b"PK\x03\x04 this is not a real zip archive")
    locked = write(tmp_path / "locked.txt", "读不到。")
    real_read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: _deny(p) if p == locked else real_read(p))
    warnings: list[str] = []
    docs = load_paths([tmp_path], CONFIG.replace(max_file_mb=0.01), warn=warnings.append)
    assert [d.doc for d in docs] == ["good.txt"]
    reasons = {w.split(": ", 1)[0].removeprefix("skipped ").rsplit("/", 1)[-1]: w for w in warnings}
    assert sorted(reasons) == ["big.txt", "binary.txt", "blank.md", "broken.docx", "broken.pdf", "empty.txt",
                               "image.jpg", "locked.txt", "slides.key"]
    assert all(w.startswith(f"skipped {tmp_path}/") and "\n" not in w for w in warnings)
    assert "unsupported file type .key" in reasons["slides.key"] and "binary" in reasons["binary.txt"]
    assert "not a readable image" in reasons["image.jpg"]
    assert "empty" in reasons["empty.txt"] and "max_file_mb" in reasons["big.txt"]
    assert "PDF" in reasons["broken.pdf"] and "DOCX" in reasons["broken.docx"]
    assert "Permission denied" in reasons["locked.txt"]


def _deny(path):
    raise PermissionError(13, "Permission denied", str(path))


def test_load_file_raises_a_load_error_naming_the_file(tmp_path):
    with pytest.raises(LoadError, match=r"notes\.xyz: unsupported file type \.xyz"):
        load_one(write(tmp_path / "notes.xyz", "文字。"))


def test_supported_suffixes_cover_documents_tables_slides_and_images():
    assert {".txt", ".md", ".html", ".htm", ".pdf", ".docx", ".xlsx", ".csv", ".pptx",
            ".png", ".jpg", ".jpeg", ".tif", ".bmp"} <= SUPPORTED_SUFFIXES


# --- formats --------------------------------------------------------------------------------------
NEWS_PAGE = """<!DOCTYPE html><html><head><meta charset="gbk"><title>黔江区推进精准扶贫 - 某某新闻网</title>
<script>var tracker = "不应出现的脚本";</script><style>p { color: red }</style></head><body>
<header><a href="/">首页</a> <a href="/news">新闻中心</a></header>
<nav><ul><li>首页</li><li>国内</li><li>国际</li></ul></nav>
<div class="breadcrumb">当前位置: 首页 &gt; 新闻</div>
<article>
  <h1>黔江区推进精准扶贫</h1>
  <p class="info">2015年12月22日 来源:重庆日报</p>
  <p>黔江区瞄准2016年底,全面实现
     扶贫攻坚总体目标。<br>形成了崭新局面。</p>
  <h2>一、精准对象</h2>
  <p>33名区级领导分别带队深入<b>贫困村</b>开展调查研究198批次。</p>
  <div class="share-bar">分享到: 微信 微博</div>
  <!-- 编辑的注释 -->
</article>
<aside class="related">相关文章: 另一篇报道的标题</aside>
<footer>版权所有 某某新闻网</footer>
</body></html>"""


def test_html_keeps_the_article_and_drops_the_navigation_around_it(tmp_path):
    doc = load_one(write(tmp_path / "page.html", NEWS_PAGE, "gbk"))
    assert doc.title == "黔江区推进精准扶贫" and doc.date == "2015-12-22" and doc.source == "重庆日报"
    assert doc.text.split("\n\n") == ["# 黔江区推进精准扶贫", "2015年12月22日 来源:重庆日报",
                                      "黔江区瞄准2016年底,全面实现扶贫攻坚总体目标。", "形成了崭新局面。",
                                      "## 一、精准对象", "33名区级领导分别带队深入贫困村开展调查研究198批次。"]
    assert [c.section for c in chunk_document(doc, CONFIG)] == ["", "一、精准对象"]


def test_html_without_an_article_uses_the_body_and_the_page_title(tmp_path):
    page = "<html><head><title>扶贫简报_某某网</title></head><body><header>站点导航</header>" \
           "<div id='main-menu'>菜单</div><div><p>正文第一段。</p><p>正文第二段。</p></div><footer>版权</footer></body></html>"
    doc = load_one(write(tmp_path / "page.htm", page))
    assert doc.title == "扶贫简报" and doc.text == "正文第一段。\n\n正文第二段。"


def links(*titles: str) -> str:
    return "".join(f"<li><a href='/{n}.html'>{t}</a></li>" for n, t in enumerate(titles))


PORTAL_PAGE = ("<html><head><title>白马村光伏电站发电收益_某县人民政府</title></head><body>"
               f"<div class='dh'><ul>{links('首页', '政务公开', '政务服务', '互动交流')}</ul></div>"
               "<div class='wz'>当前位置：<a href='/'>首页</a> &gt; <a href='/zw'>政务公开</a> &gt; "
               "<a href='/dt'>工作动态</a></div><table><tr><td class='zw'><h1>白马村光伏电站发电收益</h1>"
               "<p>白马村光伏电站今年发电收益二十三万元，收益用于村内公益岗位。</p>"
               "<p>详情见<a href='/gf.html'>光伏扶贫专题</a>。</p></td>"
               f"<td class='yc'><b>热点新闻</b><ul>{links('全县召开春耕生产推进会', '县领导督导安全生产工作', '我县新增三家龙头企业')}"
               "</ul></td></tr></table></body></html>")


def test_html_menus_and_headline_lists_go_whatever_their_class_names(tmp_path):
    doc = load_one(write(tmp_path / "portal.html", PORTAL_PAGE))
    assert doc.text.split("\n\n") == ["# 白马村光伏电站发电收益", "白马村光伏电站今年发电收益二十三万元，收益用于村内公益岗位。",
                                      "详情见光伏扶贫专题。"]  # a link inside a sentence stays


def test_a_page_that_is_only_a_list_of_links_keeps_them(tmp_path):
    page = f"<html><body><h1>政策文件目录</h1><ul>{links(*(f'关于做好第{n}批扶贫项目申报工作的通知' for n in range(12)))}</ul></body></html>"
    doc = load_one(write(tmp_path / "index.html", page))
    assert "关于做好第11批扶贫项目申报工作的通知" in doc.text


def test_an_html_data_table_is_read_as_header_value_rows_and_a_layout_table_as_text(tmp_path):
    page = ("<html><head><title>统计公报｜安岳县统计局</title></head><body><table><tr><td>"
            "<p>全县主要指标如下。</p><table border='1'><tr><th>序号</th><th>指标</th><th>数值</th></tr>"
            "<tr><td>1</td><td>贫困村</td><td>162个</td></tr><tr><td>2</td><td>贫困发生率</td><td>0.59%</td></tr>"
            "</table></td></tr></table></body></html>")
    doc = load_one(write(tmp_path / "stats.html", page))
    assert doc.title == "统计公报"
    assert doc.text.split("\n\n") == ["全县主要指标如下。", "序号：1，指标：贫困村，数值：162个",
                                      "序号：2，指标：贫困发生率，数值：0.59%"]


def test_docx_headings_become_sections(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("扶贫工作报告", 0)
    document.add_heading("基本情况", 1)
    document.add_paragraph("全县贫困人口减少至2.5万人。")
    document.add_heading("资金安排", 2)
    document.add_paragraph("安排财政专项扶贫资金2744万元。")
    table = document.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "项目", (0, 1): "金额", (1, 0): "道路", (1, 1): "496.5万元"}.items():
        table.cell(r, c).text = text
    document.add_heading("工作举措", 1)
    document.add_paragraph("实行各级各部门一把手负责制。")
    document.save(tmp_path / "report.docx")
    doc = load_one(tmp_path / "report.docx")
    assert doc.title == "扶贫工作报告"
    assert doc.text.split("\n\n") == ["扶贫工作报告", "# 基本情况", "全县贫困人口减少至2.5万人。", "## 资金安排",
                                      "安排财政专项扶贫资金2744万元。", "项目：道路，金额：496.5万元",
                                      "# 工作举措", "实行各级各部门一把手负责制。"]
    assert [s.path for s in find_sections(doc.text) if s.path] == [("基本情况",), ("基本情况", "资金安排"), ("工作举措",)]
    first, second = chunk_document(doc, CONFIG)  # a parent's one-line intro travels with its first child
    assert first.section == "基本情况 > 资金安排" and first.text.startswith("扶贫工作报告\n\n# 基本情况\n\n全县贫困人口")
    assert second.section == "工作举措"


def test_a_zip_that_is_not_a_docx_is_a_load_error(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    with pytest.raises(LoadError, match="not a readable DOCX"):
        load_one(write(tmp_path / "fake.docx", buffer.getvalue()))


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with Helvetica text lines, written by hand so the test needs no PDF library."""
    content = "BT /F1 12 Tf 72 720 Td " + " ".join(f"({line}) Tj 0 -16 Td" for line in lines) + " ET"
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >>"
               " /Contents 5 0 R >>", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               f"<< /Length {len(content)} >>\nstream\n{content}\nendstream"]
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    return out + f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


def test_pdf_text_is_extracted_and_wrapped_lines_are_joined(tmp_path):
    pdf = minimal_pdf(["Poverty report", "The county reduced poverty to 0.59 percent in four", "years of work.",
                       "Short line."])
    doc = load_one(write(tmp_path / "report.pdf", pdf))
    joined = "The county reduced poverty to 0.59 percent in four years of work."
    assert doc.text == f"Poverty report\n\n{joined}\n\nShort line."


def test_chinese_pdf_text_is_extracted(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    fonts = [f.fname for f in font_manager.fontManager.ttflist
             if any(k in f.name for k in ("WenQuanYi", "Noto Sans CJK", "Noto Serif CJK", "Droid Sans Fallback"))]
    if not fonts:
        pytest.skip("no CJK font installed to draw a Chinese PDF with")
    matplotlib.rcParams["pdf.fonttype"] = 42  # embed the TrueType font, so the text is extractable
    figure, font = Figure(figsize=(8.27, 11.69)), font_manager.FontProperties(fname=fonts[0])
    figure.text(0.1, 0.9, "一、总体情况", fontproperties=font)
    figure.text(0.1, 0.85, "藤县累计实现12.2万贫困人口减贫。", fontproperties=font)
    figure.savefig(tmp_path / "zh.pdf", format="pdf")
    doc = load_one(tmp_path / "zh.pdf")
    assert doc.text == "一、总体情况\n\n藤县累计实现12.2万贫困人口减贫。"
    assert doc.pages == (0,) and chunk_document(doc, CONFIG)[0].page == 1  # one page is still page 1


def test_markdown_keeps_headings_and_drops_link_targets_and_emphasis(tmp_path):
    doc = load_one(write(tmp_path / "notes.md", "# 报告\n\n## 一节\n\n详见**重点**[文件](http://x.cn/a)。![图](i.png)\n"))
    assert doc.text == "# 报告\n\n## 一节\n\n详见重点文件。" and doc.title == "报告"
