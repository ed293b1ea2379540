"""Documents as people have them, written by the tests (no binary fixtures in the repository):
a printed three-page PDF with a running header (fpdf2), the same kinds of page typeset a second
way by WeasyPrint from HTML and CSS (columns, ragged right, three-line, unruled and merged-cell
tables, footnotes, an office page whose contents, form fields and lists stand in columns but are
no tables), tables fpdf2 sets without column rules, a scanned two-page PDF and a photographed page,
a spreadsheet of county figures, a GBK CSV, a slide deck, and the bad inputs a folder of real
documents holds, and hostile ones (a zip bomb, a PNG declaring a billion pixels). Chinese is
drawn with a CJK font from Debian (fonts-wqy-microhei, which `make test` installs when missing)."""

from __future__ import annotations

import io
import subprocess
import zipfile
from functools import lru_cache
from pathlib import Path

import pytest

# --- the printed report: three pages, a running header and footer, the answer on page 2 -------
REPORT_HEADER = "藤县扶贫开发办公室工作简报"
REPORT_TITLE = "藤县2020年脱贫攻坚工作总结"
_VILLAGES = "黄村 新寨 石桥 大塘 河口 白沙 龙门 高岭 长垌 清水 古榄 上林 下郭 东山 西岭 南冲 北流 金竹 银坪 马练".split()
REPORT_PAGE1 = ("今年以来，全县上下坚持以脱贫攻坚统揽经济社会发展全局，把产业就业作为稳定脱贫的根本之策，"
                "把住房安全和饮水安全作为底线任务，把防止返贫监测作为长效机制。各乡镇对照脱贫标准逐户排查，"
                "对发现的问题建立台账、限期整改，确保不漏一户、不落一人。县直各部门主动对接帮扶村，"
                "累计选派驻村工作队员四百余名，解决群众急难愁盼问题一千二百多个。",
                # long enough to run from page 1 onto page 2: the paragraph a page end breaks
                "在基础设施建设方面，全县新建和改造农村公路，"
                + "，".join(f"{v}村硬化道路{3 + n % 7}.{n % 10}公里、新修水渠{12 + n}条" for n, v in enumerate(_VILLAGES * 3))
                + "，群众出行难、灌溉难的问题得到根本解决。")
REPORT_ANSWER = "2020年全县共落实产业扶贫资金3.26亿元，带动贫困户1.8万户增收。"
REPORT_PAGE2 = (REPORT_ANSWER + "产业扶贫成为群众稳定增收的主要途径。",
                "在教育扶贫方面，全县落实各类教育资助资金4520万元，没有一名学生因贫失学。")
REPORT_PAGE3 = ("下一步，全县将巩固拓展脱贫攻坚成果，同乡村振兴有效衔接，防止出现规模性返贫。"
                "继续落实过渡期内主要帮扶政策总体稳定，加强易地搬迁后续扶持，推动脱贫地区加快发展。",)

# --- the scan: two pages of a printed notice, photographed or scanned, no text layer ----------
SCAN_HEADER = "平南县乡村振兴局"
SCAN_PAGE1 = ("关于光伏扶贫电站收益分配情况的通报",
              "各乡镇人民政府：现将今年全县光伏扶贫电站运行和收益分配情况通报如下，请各地认真抓好落实。")
SCAN_ANSWER = "白马村光伏电站今年发电收益二十三万元，全部用于村级公益岗位工资。"
SCAN_PAGE2 = (SCAN_ANSWER, "请各乡镇在月底前将收益分配方案报县乡村振兴局备案。")
SCAN_QUESTION = "白马村光伏电站今年发电收益多少？"
PHOTO_TEXT = ("大安镇今年新建蔬菜大棚一百二十座，", "吸纳脱贫劳动力三百余人就近务工。")

# --- tables and slides ------------------------------------------------------------------------
COUNTIES = ["藤县", "岑溪市", "蒙山县", "苍梧县", "龙圩区", "万秀区", "长洲区", "平南县", "桂平市", "容县",
            "陆川县", "博白县", "兴业县", "北流市", "玉州区", "福绵区", "昭平县", "钟山县", "富川县", "八步区"]
SHEET_HEADER = ("县（市、区）", "贫困人口（万人）", "贫困发生率", "出列贫困村（个）")


def county_row(n: int, county: str) -> tuple:
    """Distinct figures for every county: a retrieved row can only be the right one."""
    return county, round(1.1 + n * 0.37, 2), round(0.0021 + n * 0.0013, 4), 30 + 7 * n


TOWNS = ["藤州镇", "塘步镇", "琅南镇", "同心镇", "金鸡镇", "新庆镇", "象棋镇", "岭景镇", "天平镇", "濛江镇",
         "和平镇", "太平镇", "古龙镇", "东荣镇", "大黎镇", "平福乡", "宁康乡"]
CSV_HEADER = ("乡镇", "光伏电站（座）", "装机容量（千瓦）", "年收益（万元）")


def town_row(n: int, town: str) -> tuple:
    return town, 2 + n % 5, 300 + 45 * n, round(21.5 + 3.1 * n, 1)


SLIDES = (("藤县产业扶贫工作汇报", ["藤县人民政府", "2020年12月"], ""),
          ("砂糖橘产业", ["全县砂糖橘种植面积达到12.5万亩", "带动贫困户6800户"], "亩产值约八千元，是群众增收的主业"),
          ("电商扶贫", ["建成村级电商服务站156个", "农产品网络销售额突破3亿元"], ""))


@lru_cache(maxsize=1)
def cjk_font() -> str:
    found = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True).stdout.split()
    paths = sorted(p.rstrip(":") for p in found if "wqy" in p or "Noto" in p) or [p.rstrip(":") for p in found]
    if not paths:
        pytest.fail("no CJK font: `make cjk-font` installs fonts-wqy-microhei")
    return paths[0]


# --- PDFs -------------------------------------------------------------------------------------
def printed_report(path: Path) -> Path:
    """Three A4 pages of text (fpdf2 with the CJK font), header and page number on each."""
    from fpdf import FPDF

    class Report(FPDF):
        def header(self):
            self.set_font("cjk", size=10)
            self.cell(0, 8, REPORT_HEADER, align="C", new_x="LMARGIN", new_y="NEXT")
            self.ln(4)

        def footer(self):
            self.set_y(-15)
            self.set_font("cjk", size=10)
            self.cell(0, 10, f"第 {self.page_no()} 页", align="C")

    pdf = Report(format="A4")
    pdf.add_font("cjk", fname=cjk_font())
    pdf.set_title(REPORT_TITLE)
    for n, paragraphs in enumerate((REPORT_PAGE1, REPORT_PAGE2, REPORT_PAGE3)):
        if n != 1:  # page 2 begins where page 1's long paragraph runs over
            pdf.add_page()
        pdf.set_font("cjk", size=12)
        if n == 0:
            pdf.multi_cell(0, 8, REPORT_TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
        for paragraph in paragraphs:
            pdf.multi_cell(0, 8, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    pdf.output(str(path))
    return path


# --- typeset pages: what a PDF's layout says that its text alone does not ----------------------
LAYOUT_HEADING = "二、产业发展情况"
WRAPPED = ("全县坚持把产业发展作为稳定脱贫的根本之策，围绕茶叶、柑橘、中药材三大主导产业，"
           "建成标准化生产基地四十二个，带动脱贫户一万二千余户稳定增收，产业覆盖率达到百分之九十八。")
SHORT_LAST = "新建冷链仓储设施十八座，农产品损耗率明显下降，群众增收更有保障，销售渠道进一步拓宽到沿海城市和周边地区的大型商超"
LATIN = ("The county cooperative signed a supply contract with Green Valley Foods Limited "
         "for organic tea, citrus and medicinal herbs grown by local farmers over three years.")
LEFT_COLUMN = "左栏第一段：" + "东山镇新建蔬菜大棚一百二十座，吸纳脱贫劳动力三百余人就近务工。" * 3
RIGHT_COLUMN = "右栏第一段：" + "西岭乡发展林下养鸡产业，年出栏土鸡八万羽，户均增收四千元。" * 3
TABLE_HEADER = ("村名", "户数（户）", "脱贫人口（人）", "人均收入（万元）")
TABLE_CAPTION = "表1 各村基本情况"
TABLE_NOTE = "注：数据来源于县统计局。"


def table_row(n: int) -> tuple[str, ...]:
    return (f"{_VILLAGES[n % len(_VILLAGES)]}{n // len(_VILLAGES) or ''}村", str(300 + 17 * n), str(100 + 29 * n),
            f"{1.2 + n % 9 / 10:.2f}")


def _typeset():
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("cjk", fname=cjk_font())
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    return pdf


def layout_pdf(path: Path) -> Path:
    """One column: an opening paragraph, a heading set larger, a paragraph wrapped over several
    lines, one whose last line is short and ends no sentence, an indented paragraph of English
    words; then a page in two columns."""
    pdf = _typeset()
    pdf.set_font("cjk", size=11)
    pdf.multi_cell(0, 7, "\u3000\u3000" + PHOTO_TEXT[0] + PHOTO_TEXT[1], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(0, 10, LAYOUT_HEADING, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    for text in (WRAPPED, SHORT_LAST, LATIN):
        pdf.multi_cell(0, 7, "\u3000\u3000" + text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.add_page()
    top, width = pdf.get_y(), (pdf.epw - 10) / 2
    for x, text in ((pdf.l_margin, LEFT_COLUMN), (pdf.l_margin + width + 10, RIGHT_COLUMN)):
        pdf.set_xy(x, top)
        pdf.multi_cell(width, 7, text)
    pdf.output(str(path))
    return path


def ruled_table_pdf(path: Path, rows: int = 8, merged: bool = False) -> Path:
    """A caption, a ruled table (every cell bordered) and a note under it; a long table runs
    onto the next page with its header printed once. `merged`: a two-row header whose top cell
    2023年 spans the last two columns."""
    pdf = _typeset()
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 8, TABLE_CAPTION, new_x="LMARGIN", new_y="NEXT", align="C")
    widths = (40, 40, 50, 50)
    if merged:
        for w, text in ((widths[0] + widths[1], ""), (widths[2] + widths[3], "2023年")):
            pdf.cell(w, 8, text, border=1, align="C")
        pdf.ln(8)
    for row in [TABLE_HEADER, *(table_row(n) for n in range(rows))]:
        if pdf.get_y() + 8 > pdf.h - pdf.b_margin:
            pdf.add_page()
        for w, text in zip(widths, row):
            pdf.cell(w, 8, text, border=1, align="C")
        pdf.ln(8)
    pdf.cell(0, 8, TABLE_NOTE, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def fpdf_table_pdf(path: Path, rows: int = 40, borders: str = "three") -> Path:
    """A caption, a table set by fpdf2's table() with no rule between its columns, its header
    printed once though it runs onto the next page, and a note under it. `borders`: "three",
    a three-line table (rules above and under the header, under the last row); or one of
    fpdf2's layouts, "HORIZONTAL_LINES" (a rule between every two rows), "NONE"."""
    from fpdf.fonts import FontFace

    pdf = _typeset()
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 8, TABLE_CAPTION, new_x="LMARGIN", new_y="NEXT", align="C")
    first, top = pdf.page, pdf.get_y()
    layout = "SINGLE_TOP_LINE" if borders == "three" else borders
    with pdf.table(borders_layout=layout, text_align="CENTER", repeat_headings=0, line_height=8,
                   headings_style=FontFace(emphasis=None)) as table:
        for cells in [TABLE_HEADER, *(table_row(n) for n in range(rows))]:
            row = table.row()
            for text in cells:
                row.cell(text)
    if borders == "three":
        pdf.page = first
        pdf.line(pdf.l_margin, top, pdf.w - pdf.r_margin, top)
        pdf.page = pdf.pages_count
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.cell(0, 8, TABLE_NOTE, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


# --- typeset by WeasyPrint (HTML and CSS, text shaped by Pango): the same page, another printer ---
# Real report paragraphs (seeds 000 and 002), set justified and indented two characters. Pango
# does not stretch Chinese lines: a line stops short where what follows may not be split from
# the next character (…贫困户 | 19344户, …18442人越 | 线”的), and may end a sentence right at
# the edge with the paragraph going on (…都有帮扶责任人。| 选派了…).
WEASY_HEADER = "重庆扶贫专报 第四十八期"
WEASY_TITLE = "黔江区“五子”发力推进精准扶贫"
WEASY_HEADING = "一、精准对象“端盘子”"
WEASY_SENTENCE_AT_EDGE = (
    "瞄准扶贫对象,政策措施落地落实。实行县领导作战到镇、镇领导作战到村、村干部作战到户,主动到一线督导促工作落实,"
    "一级带着一级干,全县形成大干快干的良好氛围。135个部门单位参与扶贫工作,抽调精锐力量组成8个巡回作战队,"
    "聚焦“三落实”“三精准”“三保障”和饮水安全等脱贫攻坚重点任务进行巡回作战。全县脱贫攻坚工作有力有序开展。"
    "今年全县继续安排9425名帮扶联系人投入到“一帮一联”活动中,严格执行请假、打卡制度,确保每户贫困户都有帮扶责任人。"
    "选派了1946名专职扶贫工作队员,确保99个贫困村有3名工作队员,167个非贫困村有2名工作队员,17个乡镇有1名工作分队队长。"
    "扶贫干部吃住在村,每月驻村时间不少于20天。")
WEASY_FIGURE_AT_EDGE = (
    "强化措施保障,脱贫成效扎实夯实。一是抓好产业发展工作。制订出台《藤县2020年度产业扶贫以奖代补项目实施方案》,"
    "合理调整产业奖补政策门槛,贫困户在3月31日前和4月1日至6月30日期间发展产业的奖补标准在原定补助标准基础上分别增加"
    "50%和30%,产业最高奖补由3000元提高到4500元,目前已有2.31万贫困户申请了产业奖补,资金约7000万元,"
    "全县已完成验收的贫困户19344户,已发放奖补资金5420.28万元。")
WEASY_QUOTES = (  # in two columns, lines stop short before 线”, 展“网 and 止“被
    "黔江区瞄准2016年底,全面实现“越线、销号、摘帽”扶贫攻坚总体目标以及“2015年25个贫困村销号、5122户18442人越线”的"
    "既定目标,以“五个精准”为着力点,递进式夯实脱贫根基,形成了领导重视空前、措施力度空前、脱贫成效空前的崭新局面。",
    "今年春由于新冠肺炎疫情的影响,“大兵团”进村入户时间推迟,扶贫干部便积极开展“网上扶贫”活动,实行“单兵作战”,"
    "咬定脱贫攻坚不放松。据不完全统计,3月上旬第一周,全县就有5000多个贫困户收到了帮扶干部的短信或电话,"
    "帮助贫困户申请稳岗补贴和交通补贴。小口罩挡不住扶贫大行动,新冠肺炎疫情阻止不了脱贫攻坚的进程。",
    "在每个贫困村均建立配套脱贫台账,将贫困村脱贫标准以及脱贫项目实施进展情况进行村务公开,各乡镇适时开展人大代表、"
    "政协委员视察活动,加快脱贫项目实施进度,防止“被脱贫”和“不愿脱贫”。截至11月底,贫困村村道硬化135公里、"
    "新修32公里、维修255公里,已解决5.9万贫困人口饮水安全问题,完成农村危旧房改造258户,建设乡村旅游示范点12个,"
    "发展草食牲畜3万头、蔬菜2.6万亩、土蛋鸡24.9万羽。")
WEASY_PARAGRAPHS = (*WEASY_QUOTES, WEASY_SENTENCE_AT_EDGE, WEASY_FIGURE_AT_EDGE)
MERGED_TOTAL = ("合计", "343", "915", "408", "991")


def weasy_pdf(path: Path, body: str, css: str = "") -> Path:
    """An A4 page as an office prints from HTML: the running header and page number in the
    page's margin boxes, centred; paragraphs justified and indented two characters."""
    from weasyprint import HTML

    margin = "font-family: cjk; font-size: 9pt"
    style = f"""
    @font-face {{ font-family: cjk; src: url("file://{cjk_font()}"); }}
    @page {{ size: A4; margin: 2.5cm 2cm;
      @top-center {{ content: "{WEASY_HEADER}"; {margin} }}
      @bottom-center {{ content: "第 " counter(page) " 页"; {margin} }} }}
    body {{ font-family: cjk; font-size: 11pt; line-height: 1.6; }}
    p {{ text-align: justify; text-indent: 2em; margin: 0 0 0.4em 0; }}
    h1 {{ font-size: 20pt; text-align: center; }} h2 {{ font-size: 15pt; }}
    table {{ border-collapse: collapse; width: 100%; }} caption {{ margin-bottom: 4pt; }}
    th, td {{ border: 0.6pt solid black; padding: 2pt 4pt; text-align: center; }}
    {css}"""
    HTML(string=f"<html><head><meta charset='utf-8'><style>{style}</style></head><body>{body}</body></html>").write_pdf(path)
    return path


def weasy_report_pdf(path: Path, columns: bool = False) -> Path:
    """A title, a heading and the paragraphs, then a second heading and the printed report's
    first page (two pages in all): `columns` sets the text in two CSS columns."""
    first = "".join(f"<p>{text}</p>" for text in WEASY_PARAGRAPHS)
    second = "".join(f"<p>{text}</p>" for text in (*REPORT_PAGE1, WRAPPED))
    body = f"<h1>{WEASY_TITLE}</h1><h2>{WEASY_HEADING}</h2>{first}<h2>{LAYOUT_HEADING}</h2>{second}"
    return weasy_pdf(path, f"<div class='text'>{body}</div>", ".text { columns: 2; column-gap: 1.2cm; }" if columns else "")


WEASY_FOOTNOTE = "数据来源于县统计局年度统计。"


def weasy_footnote_pdf(path: Path) -> Path:
    """The report's paragraphs with a footnote (CSS float: footnote) called, by a small raised
    figure, inside the second: the note is printed at the foot of page 1, under the paragraph
    that runs on to page 2."""
    texts = (*WEASY_PARAGRAPHS, *REPORT_PAGE1)
    call = f"<span class='note'>{WEASY_FOOTNOTE}</span>"
    body = "".join(f"<p>{t[:40]}{call}{t[40:]}</p>" if n == 1 else f"<p>{t}</p>" for n, t in enumerate(texts))
    return weasy_pdf(path, body, ".note { float: footnote; font-size: 9pt; }")


_TABLE_RULES = {"all": "", "none": "th, td { border: none; }",
                "three": ("th, td { border: none; } table { border-top: 1.5pt solid; border-bottom: 1.5pt solid; }"
                          " thead th { border-bottom: 0.75pt solid; }")}


def weasy_table_pdf(path: Path, rows: int = 70, rules: str = "all", two_line_header: bool = False) -> Path:
    """A heading, a captioned table whose header (thead) WeasyPrint repeats atop every page it
    runs onto, and a note under it. `rules`: "all" rules every cell; "three" is a three-line
    table (三线表), rules only above and below the header and under the table, none between
    columns; "none" has no rule at all. `two_line_header`: each unit set on a line of its own
    under its name (户数 over （户）)."""
    names = [name.replace("（", "<br>（") if two_line_header else name for name in TABLE_HEADER]
    head = "".join(f"<th>{name}</th>" for name in names)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in table_row(n)) + "</tr>" for n in range(rows))
    return weasy_pdf(path, f"<h2>{LAYOUT_HEADING}</h2><p>{WRAPPED}</p><table><caption>{TABLE_CAPTION}</caption>"
                           f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table><p>{TABLE_NOTE}</p>", _TABLE_RULES[rules])


POLICY_HEADER = ("政策", "主要内容", "责任单位")
POLICIES = (("产业奖补", "发展产业按标准奖补", "县农业农村局"), ("小额信贷", "贫困户贷款财政贴息", "县财政局"),
            ("教育资助", "在校学生全部资助", "县教育局"), ("医疗保障", "住院费用兜底报销", "县医保局"))


def weasy_words_table_pdf(path: Path, rules: str = "three") -> Path:
    """A captioned table of words only, no figures in it (政策, 主要内容, 责任单位); `rules` as
    for weasy_table_pdf."""
    head = "".join(f"<th>{name}</th>" for name in POLICY_HEADER)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in POLICIES)
    return weasy_pdf(path, f"<p>{WRAPPED}</p><table><caption>表3 主要帮扶政策</caption><thead><tr>{head}</tr></thead>"
                           f"<tbody>{body}</tbody></table><p>{WRAPPED}</p>", _TABLE_RULES[rules])


UNEVEN_HEADER = ("乡镇", "产业", "户数", "资金（万元）")
UNEVEN_ROWS = (("藤州镇", "茶叶", "120", "340"), ("藤州镇", "柑橘", "80", "210"),
               ("塘步镇", "发展茶叶种植和林下养鸡产业带动脱贫户增收", "300", "95"), ("琅南镇", "蔬菜", "60", ""),
               ("同心镇", "中药材", "75", "130"))


def weasy_uneven_table_pdf(path: Path, rules: str = "three") -> Path:
    """A table as offices set them: a town's name merged down two rows (centred on them), words
    wrapped over three lines in a narrow column (the row's other cells centred beside them), and
    an empty cell; `rules` as for weasy_table_pdf."""
    cells = [[f"<td>{c}</td>" for c in row] for row in UNEVEN_ROWS]
    cells[0][0], cells[1][0] = "<td rowspan='2'>藤州镇</td>", ""
    body = "".join(f"<tr>{''.join(row)}</tr>" for row in cells)
    head = "".join(f"<th>{name}</th>" for name in UNEVEN_HEADER)
    return weasy_pdf(path, f"<p>{WRAPPED}</p><table><caption>表5 各乡镇产业</caption>"
                           f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table><p>{WRAPPED}</p>",
                     _TABLE_RULES[rules] + " td:nth-child(2) { width: 8em; }")


CONTENTS = ("一、精准对象“端盘子”", "二、产业发展情况", "三、各村脱贫情况", "四、资金使用情况", "五、下一步工作打算",
            "六、附件")
FORM_FIELDS = (("单位：藤县扶贫开发办公室", "日期：2020年1月"), ("填报人：李明", "电话：0774-7288123"),
               ("审核人：王芳", "编号：2020-001"), ("签发人：张强", "份数：30"), ("密级：内部", "期限：一年"))
NUMBERED = tuple(f"{n}." for n in range(1, 6))
TERMS = (("两不愁", "不愁吃、不愁穿"), ("三保障", "义务教育、基本医疗、住房安全"), ("四个不摘", "摘帽不摘责任、不摘政策"),
         ("五个一批", "发展生产脱贫一批"), ("六个精准", "扶持对象精准"), ("一帮一联", "干部结对帮扶贫困户"))


def weasy_office_pdf(path: Path) -> Path:
    """What must stay text, though its words stand apart in columns: a contents page (entries
    with dot leaders, then the same set with each page number at the right margin), a form's
    fields in two columns (单位：XXX  日期：2020年1月), terms each with its meaning beside it (a
    rule under each, none between them), a numbered list with hanging indents whose numbers
    stand apart from the items, and ordinary paragraphs."""
    leaders = "".join(f"<p class='toc'>{t}……………………{n}</p>" for n, t in enumerate(CONTENTS, 2))
    spaced = "".join(f"<p class='spaced'><span>{t}</span><span>{n}</span></p>" for n, t in enumerate(CONTENTS, 2))
    form = "".join(f"<p class='form'><span>{a}</span><span>{b}</span></p>" for a, b in FORM_FIELDS)
    terms = "<table class='terms'>" + "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in TERMS) + "</table>"
    texts = (*WEASY_QUOTES, *REPORT_PAGE1)
    items = "".join(f"<p class='item'><span>{n}</span>{t}</p>" for n, t in zip(NUMBERED, texts, strict=True))
    body = (f"<h2>目录</h2>{leaders}<p>{WRAPPED}</p><h2>目录</h2>{spaced}<p>{WRAPPED}</p>{form}<p>{WRAPPED}</p>"
            f"{terms}<p>{WRAPPED}</p>{items}<p>{WEASY_FIGURE_AT_EDGE}</p>")
    css = (".toc, .spaced { text-indent: 0; margin: 0; } .spaced { display: flex; justify-content: space-between; }"
           " .form span { display: inline-block; width: 50%; } .form { text-indent: 0; }"
           " .terms td { border: none; border-bottom: 0.6pt solid; text-align: left; }"
           " .item { text-indent: -3em; padding-left: 3em; } .item span { display: inline-block; width: 3em; text-indent: 0; }")
    return weasy_pdf(path, body, css)


def weasy_merged_table_pdf(path: Path) -> Path:
    """Cells merged down (a town over its projects) and across (合计 over town and project)."""
    rows = [("<td rowspan='2'>藤州镇</td>", "茶叶", "120", "340", "150", "360"), ("柑橘", "80", "210", "95", "230"),
            ("<td colspan='2'>合计</td>", *MERGED_TOTAL[1:])]
    body = "".join("<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    head = ("<tr><th rowspan='2'>乡镇</th><th rowspan='2'>项目</th><th colspan='2'>2022年</th><th colspan='2'>2023年</th></tr>"
            "<tr><th>资金（万元）</th><th>带动户数</th><th>资金（万元）</th><th>带动户数</th></tr>")
    return weasy_pdf(path, f"<p>{WRAPPED}</p><table><caption>表2 各乡镇产业扶贫资金</caption><thead>{head}</thead>"
                           f"<tbody>{body}</tbody></table>")


def page_image(paragraphs, header: str = "", footer: str = "", size=(1240, 1754), font_px: int = 34):
    """A page as a scanner sees it (A4 at 150 dpi by default, 34 pixels being 16-point type):
    black text on white, paragraphs indented two characters and wrapped at the margin."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(cjk_font(), font_px)
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    margin, y = size[0] // 11, size[1] // 20
    per_line = (size[0] - 2 * margin) // font_px
    if header:
        draw.text((size[0] // 2, y), header, font=font, fill=0, anchor="mt")
        y += 3 * font_px
    for paragraph in paragraphs:
        text = "\u3000\u3000" + paragraph
        for start in range(0, len(text), per_line):
            draw.text((margin, y), text[start:start + per_line], font=font, fill=0)
            y += int(font_px * 1.6)
        y += font_px // 2
    if footer:
        draw.text((size[0] // 2, size[1] - size[1] // 20), footer, font=font, fill=0, anchor="mb")
    return image


def scanned_notice(path: Path) -> Path:
    """Two pages that are only images (what a scanner's PDF is), no text layer; A4 scanned at
    100 dpi, which keeps the tests quick."""
    size, font_px = (827, 1169), 24
    pages = [page_image(SCAN_PAGE1, SCAN_HEADER, "- 1 -", size, font_px),
             page_image(SCAN_PAGE2, SCAN_HEADER, "- 2 -", size, font_px)]
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=100)
    return path


def photo_png(path: Path) -> Path:
    page_image(PHOTO_TEXT, size=(1000, 360), font_px=36).save(path)
    return path


def encrypted_pdf(path: Path) -> Path:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt(user_password="secret", owner_password="owner")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


# --- spreadsheets, CSV, slides ---------------------------------------------------------------
def county_workbook(path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "各县指标"
    sheet.append(["2020年各县（市、区）脱贫攻坚主要指标"])
    sheet.append(list(SHEET_HEADER))
    for n, county in enumerate(COUNTIES):
        sheet.append(list(county_row(n, county)))
        sheet.cell(row=sheet.max_row, column=3).number_format = "0.00%"
    notes = book.create_sheet("说明")
    notes.append(["项目", "说明"])
    notes.append(["数据来源", "各县扶贫开发办公室年度统计"])
    book.save(path)
    return path


def town_csv(path: Path, encoding: str = "gbk") -> Path:
    rows = [",".join(CSV_HEADER)] + [",".join(map(str, town_row(n, t))) for n, t in enumerate(TOWNS)]
    path.write_bytes("\r\n".join(rows).encode(encoding))
    return path


def slide_deck(path: Path) -> Path:
    from pptx import Presentation

    deck = Presentation()
    for n, (title, lines, notes) in enumerate(SLIDES):
        slide = deck.slides.add_slide(deck.slide_layouts[0 if n == 0 else 1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = "\n".join(lines)
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    deck.save(path)
    return path


def flooded_workbook(path: Path, empty_rows: int = 1_000_000) -> Path:
    """Three real rows, then a million formatted empty cells, and a stated extent of the whole
    grid (A1:XFD1048576): what a sheet looks like after someone formats entire columns."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in (["县", "人口"], ["藤县", 110], ["容县", 80]):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item, data)
                continue
            head, tail = data.decode().split("</sheetData>")
            head = head.replace('<dimension ref="A1:B3"/>', '<dimension ref="A1:XFD1048576"/>')
            with target.open(item.filename, "w") as out:
                out.write(head.encode())
                for start in range(4, empty_rows + 4, 10_000):
                    out.write("".join(f'<row r="{r}"><c r="A{r}" s="0"/></row>'
                                      for r in range(start, min(start + 10_000, empty_rows + 4))).encode())
                out.write(("</sheetData>" + tail).encode())
    return path


def corrupt_office(path: Path) -> Path:
    """A zip that is no Office document (a download cut short, a mislabelled archive)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not an office document")
    return path


def tiny_png(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (8, 8), "black").save(path)
    return path


def blank_png(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (800, 600), "white").save(path)
    return path


# --- hostile input: small on disk, enormous once unpacked -------------------------------------
def zip_bomb_docx(path: Path, inflated_mb: int = 300) -> Path:
    """A valid .docx inflating to `inflated_mb` MB (rag.server.hostile, which the soak sends too)."""
    from rag.server.hostile import zip_bomb_docx as bomb

    path.write_bytes(bomb(inflated_mb))
    return path


def huge_png(path: Path, width: int = 40000, height: int = 40000) -> Path:
    """A tiny PNG declaring width x height pixels (rag.server.hostile)."""
    from rag.server.hostile import huge_png as png

    path.write_bytes(png(width, height))
    return path


# --- a folder of every kind, bad files included --------------------------------------------
def documents_folder(folder: Path) -> Path:
    """Seven documents of six kinds, and five files to be skipped."""
    folder.mkdir()
    printed_report(folder / "report.pdf")
    scanned_notice(folder / "notice.pdf")
    photo_png(folder / "photo.png")
    county_workbook(folder / "counties.xlsx")
    town_csv(folder / "towns.csv")
    slide_deck(folder / "deck.pptx")
    flooded_workbook(folder / "flooded.xlsx", empty_rows=2000)
    encrypted_pdf(folder / "locked.pdf")
    tiny_png(folder / "tiny.png")
    blank_png(folder / "blank.png")
    corrupt_office(folder / "broken.xlsx")
    corrupt_office(folder / "broken.pptx")
    return folder
