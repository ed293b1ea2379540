"""Typeset a test collection of PDFs, and the gold questions asked of it.

The PDF reader has to recover paragraphs, headings, columns and tables from where the text sits
on the page, and a document can be typeset in many ways. This builder sets the same kind of
material several of them, deterministically, with fpdf2 and a CJK font from the system:

- the five seed reports (`seeds/*.txt`) as printed A4 reports: a running header and a page
  number, a large title, headings, indented paragraphs; the 2nd and 4th set in two columns, and
  the 3rd replaced by a scan of itself (page images at 150 dpi, no text layer);
- `bulletin.pdf`: a statistics bulletin of a made-up county, prose with figures and two ruled
  tables, the second with a merged header cell over two columns;
- `villages.pdf`: one long ruled table running over two pages, its header row printed only once.

The gold questions (`eval/gold_pdf.jsonl`) are the seeds' questions pointed at the PDFs, plus
questions answered by a single table cell, many of them on the page where the table continues
without its header.

    python eval/notes/scripts/typeset.py OUT_DIR [--gold eval/gold_pdf.jsonl]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import pypdfium2 as pdfium
from fpdf import FPDF

EVAL = Path(__file__).resolve().parents[2]  # eval/, this script being eval/notes/scripts/typeset.py
SEEDS = EVAL.parent / "seeds"
GOLD_SEEDS = EVAL / "gold_seeds.jsonl"

CREATED = datetime(2024, 3, 15, tzinfo=timezone.utc)  # fixed, so the same input gives the same bytes
MARGIN, TOP, BOTTOM = 20, 24, 20  # mm
BODY_PT, HEADING_PT, TITLE_PT, SMALL_PT, TABLE_PT = 11, 14, 18, 9, 10
LINE_HEIGHT = 1.5
PT = 25.4 / 72  # mm per point
TWO_COLUMNS, SCANNED = (1, 3), 2  # positions of seeds in sorted order
SCAN_DPI = 150
ROW_H = 8  # mm, a table row

SENTENCE_END = "。！？；!?;"
NUMBERED = re.compile(r"(第[一二三四五六七八九十百零\d]+(章|节|節|部分)"
                      r"|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]"
                      r"|\d{2}(\s|$)|\d{1,2}[、.．](?!\d))")
DATE = re.compile(r"\d{4}[年\-./]\d{1,2}|\d{1,2}[.\-/]\d{1,2}[.\-/]\d{4}|\d{1,2}:\d{2}")
BYLINE = re.compile(r"来源|來源|编辑|編輯|责编|責編|记者|記者")


@lru_cache(maxsize=1)
def cjk_font() -> str:
    found = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True).stdout.split()
    paths = sorted(p.rstrip(":") for p in found if "wqy" in p or "Noto" in p) or [p.rstrip(":") for p in found]
    if not paths:
        raise SystemExit("no CJK font: install fonts-wqy-microhei")
    return paths[0]


class Page(FPDF):
    """A4 with a running header (the title over a thin rule) and `第 N 页` centred at the foot."""

    def __init__(self, running_title: str):
        super().__init__(format="A4")
        self.running_title = running_title
        self.add_font("cjk", fname=cjk_font())
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_auto_page_break(True, BOTTOM)
        self.set_creation_date(CREATED)
        self.set_title(running_title)

    def header(self):
        self.set_font("cjk", size=SMALL_PT)
        self.set_xy(MARGIN, 11)
        self.cell(0, 5, self.running_title, align="C")
        self.set_line_width(0.2)
        self.line(MARGIN, 17, self.w - MARGIN, 17)
        self.set_y(TOP)

    def footer(self):
        self.set_font("cjk", size=SMALL_PT)
        self.set_y(-14)
        self.cell(0, 5, f"第 {self.page_no()} 页", align="C")


# --- the seed reports -------------------------------------------------------------------------
def paragraphs(text: str) -> list[str]:
    """The non-empty lines of a seed, web spacing (no-break and full-width spaces) trimmed."""
    lines = (line.replace("\xa0", " ").strip(" \t\u3000") for line in text.splitlines())
    return [line for line in lines if line]


def is_byline(paragraph: str) -> bool:
    """A date, time or source line: `2020年05月11日10:50  来源:人民网-广西频道`."""
    return (len(paragraph) <= 60 and not any(c in paragraph for c in SENTENCE_END)
            and bool(DATE.search(paragraph) or BYLINE.search(paragraph)))


def is_heading(paragraph: str) -> bool:
    """Short, and numbered or not a sentence; not one: a lead-in ending in a colon or dash, a
    sentence broken off at a comma, a two- or three-character link left over from a web page."""
    if len(paragraph) > 30:
        return False
    if NUMBERED.match(paragraph):
        return True
    return (len(paragraph) >= 4 and not any(c in paragraph for c in SENTENCE_END)
            and not paragraph.endswith((":", "：", "—", ",", "，", "、")))


def set_front(pdf: Page, title: str, bylines: list[str]) -> None:
    """The title across the page width, its date and source lines under it."""
    pdf.set_font("cjk", size=TITLE_PT)
    pdf.multi_cell(0, TITLE_PT * PT * 1.4, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=SMALL_PT)
    for line in bylines:
        pdf.multi_cell(0, SMALL_PT * PT * 1.6, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)


def set_body(pdf: Page, body: list[str], ncols: int) -> None:
    """Headings, bylines and indented paragraphs, wrapped wherever the column edge falls."""
    with pdf.text_columns(ncols=ncols, gutter=8, line_height=LINE_HEIGHT, wrapmode="CHAR") as cols:
        for paragraph in body:
            if is_byline(paragraph):
                size, style = SMALL_PT, dict(bottom_margin=2)
            elif is_heading(paragraph):
                size, style = HEADING_PT, dict(top_margin=4, bottom_margin=1.5)
            else:
                size, style = BODY_PT, dict(bottom_margin=2, first_line_indent=2 * BODY_PT * PT)
            pdf.set_font("cjk", size=size)
            with cols.paragraph(**style) as par:
                par.write(paragraph)


def typeset_report(text: str, ncols: int) -> Page:
    lines = paragraphs(text)
    title, rest = lines[0], lines[1:]
    front = 0
    while front < len(rest) and is_byline(rest[front]):
        front += 1
    pdf = Page(title)
    pdf.add_page()
    set_front(pdf, title, rest[:front])
    set_body(pdf, rest[front:], ncols)
    return pdf


def scanned(pdf: Page) -> FPDF:
    """The printed pages as a scanner returns them: one greyscale image a page, no text."""
    printed = pdfium.PdfDocument(bytes(pdf.output()))
    scan = FPDF(format="A4")
    scan.set_auto_page_break(False)
    scan.set_creation_date(CREATED)
    for page in printed:
        scan.add_page()
        scan.image(page.render(scale=SCAN_DPI / 72).to_pil().convert("L"), x=0, y=0, w=scan.w, h=scan.h)
    printed.close()
    return scan


def write_reports(out: Path) -> dict[str, int]:
    pages = {}
    for n, seed in enumerate(sorted(SEEDS.glob("*.txt"))):
        pdf = typeset_report(seed.read_text(encoding="utf-8"), 2 if n in TWO_COLUMNS else 1)
        if n == SCANNED:
            pdf = scanned(pdf)
        name = seed.with_suffix(".pdf").name
        pdf.output(str(out / name))
        pages[name] = pdf.pages_count
    return pages


# --- the made-up county's figures ---------------------------------------------------------------
COUNTY = "青禾县"
TOWNS = ["青禾镇", "石门镇", "柳溪镇", "云台乡", "白鹭镇", "梅林乡", "东坝镇", "桃源乡"]
CROPS = ["茶叶", "柑橘", "中药材", "油茶", "蔬菜", "食用菌"]
LIVESTOCK = ["生猪养殖", "肉牛养殖"]
NAME_FIRST = "黄石龙新高白清金马桃柳枫杨上下东西南北大小长"
NAME_SECOND = "田坪岭溪塘坝湾山桥冲寨沟岗湖林"


class Town(NamedTuple):
    name: str
    population: int
    lifted: int  # 脱贫人口
    income: int  # yuan a head
    incidence: float  # percent

    def cells(self) -> tuple[str, ...]:
        return (self.name, f"{self.population:,}", f"{self.lifted:,}", f"{self.income:,}",
                f"{self.incidence:.2f}")


class Industry(NamedTuple):
    name: str
    area: int  # mu; 0 for livestock
    output: int  # 10,000 yuan
    households: int

    def cells(self) -> tuple[str, ...]:
        return (self.name, f"{self.area:,}" if self.area else "—", f"{self.output:,}", f"{self.households:,}")


class Village(NamedTuple):
    name: str
    town: str
    households: int
    lifted: int
    income: float  # 10,000 yuan a head
    industry: str

    def cells(self) -> tuple[str, ...]:
        return (self.name, self.town, str(self.households), str(self.lifted), f"{self.income:.2f}", self.industry)


def county_figures(rng: random.Random) -> tuple[list[Town], list[Industry], list[Village]]:
    towns = []
    for name in TOWNS:
        population = rng.randint(18_000, 62_000)
        towns.append(Town(name, population, round(population * rng.uniform(0.04, 0.11)),
                          rng.randint(12_000, 19_000), round(rng.uniform(0.2, 1.5), 2)))
    industries = [Industry(name, rng.randint(3_000, 45_000) if name in CROPS else 0,
                           rng.randint(2_000, 30_000), rng.randint(300, 3_500)) for name in CROPS + LIVESTOCK]
    return towns, industries, villages(rng)


def villages(rng: random.Random, count: int = 42) -> list[Village]:
    """Villages grouped by township as a county lists them; names unique, none from the seeds and
    none a township's (no 柳溪村 beside 柳溪镇)."""
    seeds = "".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt"))
    names = [a + b + "村" for a in NAME_FIRST for b in NAME_SECOND
             if a + b + "村" not in seeds and a + b not in {town[:2] for town in TOWNS}]
    rows = [Village(name, rng.choice(TOWNS), rng.randint(180, 900), rng.randint(120, 1_600),
                    round(rng.uniform(1.2, 2.6), 2), rng.choice(CROPS + LIVESTOCK))
            for name in rng.sample(names, count)]
    return sorted(rows, key=lambda v: TOWNS.index(v.town))


# --- ruled tables -----------------------------------------------------------------------------
def ruled_table(pdf: Page, widths: list[float], header: list[tuple], rows: list[tuple[str, ...]]) -> list[int]:
    """Every cell bordered. `header` holds (text, row, column, rowspan, colspan), so a cell may
    span others; it is printed once, where the table starts. Returns each body row's page."""
    left, top = pdf.l_margin, pdf.get_y()
    pdf.set_font("cjk", size=TABLE_PT)
    pdf.set_fill_color(236)
    for text, row, col, rowspan, colspan in header:
        pdf.set_xy(left + sum(widths[:col]), top + row * ROW_H)
        pdf.cell(sum(widths[col:col + colspan]), rowspan * ROW_H, text, border=1, align="C", fill=True)
    pdf.set_y(top + max(r + rs for _, r, _, rs, _ in header) * ROW_H)
    pages = []
    for row in rows:
        if pdf.will_page_break(ROW_H):
            pdf.add_page()
        for width, text in zip(widths, row):
            pdf.cell(width, ROW_H, text, border=1, align="C")
        pdf.ln(ROW_H)
        pages.append(pdf.page_no())
    return pages


def simple_header(titles: list[str]) -> list[tuple]:
    return [(title, 0, col, 1, 1) for col, title in enumerate(titles)]


def table_block(pdf: Page, caption: str, widths, header, rows, note: str, keep: int) -> list[int]:
    """Caption, table, note; the caption starts a new page unless `keep` rows fit under it."""
    header_h = max(r + rs for _, r, _, rs, _ in header) * ROW_H
    if pdf.will_page_break(10 + header_h + keep * ROW_H):
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font("cjk", size=TABLE_PT + 0.5)
    pdf.cell(0, 8, caption, align="C", new_x="LMARGIN", new_y="NEXT")
    pages = ruled_table(pdf, widths, header, rows)
    pdf.set_font("cjk", size=SMALL_PT)
    pdf.cell(0, 7, note, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    return pages


# --- the bulletin and the village table ---------------------------------------------------------
BULLETIN_TITLE = f"{COUNTY}2023年巩固拓展脱贫攻坚成果统计公报"
TOWN_HEADER = ["乡镇", "户籍人口（人）", "脱贫人口（人）", "人均可支配收入（元）", "贫困发生率（%）"]
INDUSTRY_HEADER = [("产业", 0, 0, 2, 1), ("种植面积（亩）", 0, 1, 2, 1), ("2023年", 0, 2, 1, 2),
                   ("产值（万元）", 1, 2, 1, 1), ("带动脱贫户（户）", 1, 3, 1, 1)]
VILLAGES_TITLE = f"{COUNTY}各村基本情况"
VILLAGE_HEADER = ["村名", "所属乡镇", "户数（户）", "脱贫人口（人）", "人均收入（万元）", "主导产业"]


def bulletin_paragraphs(towns: list[Town], industries: list[Industry]) -> list[str]:
    population = sum(t.population for t in towns)
    lifted = sum(t.lifted for t in towns)
    income = round(sum(t.income * t.population for t in towns) / population)
    top = max(industries, key=lambda i: i.output)
    return [
        f"2023年，{COUNTY}坚持把巩固拓展脱贫攻坚成果同乡村振兴有效衔接作为头等大事来抓。年末全县户籍人口"
        f"{population:,}人，其中脱贫人口{lifted:,}人；农村居民人均可支配收入{income:,}元，比上年增长8.6%。"
        f"全县{len(towns)}个乡镇均未发生规模性返贫，防止返贫动态监测对象全部落实帮扶措施，各乡镇主要指标见表1。",
        f"产业帮扶持续发力。全县特色产业种植面积{sum(i.area for i in industries):,}亩，实现产值"
        f"{sum(i.output for i in industries):,}万元，带动脱贫户{sum(i.households for i in industries):,}户稳定增收，"
        f"其中{top.name}产业产值最高，达{top.output:,}万元。新培育县级以上农业产业化龙头企业12家，"
        f"农民专业合作社发展到486家，各产业情况见表2。",
        "就业帮扶方面，全年组织脱贫劳动力外出务工21,360人，县内就近就业6,842人，开发乡村公益性岗位1,205个；"
        "发放脱贫人口小额信贷2.37亿元，惠及脱贫户5,618户。易地扶贫搬迁安置点配套产业项目23个全部建成投用，"
        "搬迁群众人均可支配收入达到14,086元。",
        "2024年，全县将继续落实过渡期内帮扶政策总体稳定，重点抓好茶叶、中药材等主导产业提质增效，"
        "力争农村居民人均可支配收入增长8%以上，守住不发生规模性返贫的底线。",
    ]


def write_bulletin(path: Path, towns: list[Town], industries: list[Industry]) -> int:
    pdf = Page(BULLETIN_TITLE)
    pdf.add_page()
    set_front(pdf, BULLETIN_TITLE, [f"{COUNTY}统计局　2024年3月15日"])
    first, second, third, last = bulletin_paragraphs(towns, industries)
    set_body(pdf, [first], ncols=1)
    table_block(pdf, "表1 2023年各乡镇主要指标", [26, 34, 34, 44, 32], simple_header(TOWN_HEADER),
                [t.cells() for t in towns], "注：贫困发生率为防止返贫监测对象占农村户籍人口的比重。", keep=len(towns))
    set_body(pdf, [second, third], ncols=1)
    table_block(pdf, "表2 2023年主要帮扶产业发展情况", [34, 40, 48, 48], INDUSTRY_HEADER,
                [i.cells() for i in industries], "注：生猪、肉牛养殖不计种植面积，以“—”表示。", keep=len(industries))
    set_body(pdf, [last], ncols=1)
    pdf.output(str(path))
    return pdf.pages_count


def write_villages(path: Path, rows: list[Village]) -> tuple[int, list[int]]:
    pdf = Page(VILLAGES_TITLE)
    pdf.add_page()
    pages = table_block(pdf, f"表 {VILLAGES_TITLE}（2023年）", [24, 26, 26, 30, 32, 32], simple_header(VILLAGE_HEADER),
                        [v.cells() for v in rows], "注：数据来源于县乡村振兴局。", keep=3)
    pdf.output(str(path))
    return pdf.pages_count, pages


# --- gold questions ---------------------------------------------------------------------------
def seed_questions() -> list[dict]:
    items = [json.loads(line) for line in GOLD_SEEDS.read_text(encoding="utf-8").splitlines() if line.strip()]
    for item in items:
        item["docs"] = [re.sub(r"\.txt$", ".pdf", doc) for doc in item["docs"]]
    return items


def bulletin_questions(towns: list[Town], industries: list[Industry]) -> list[tuple[str, str]]:
    town_asks = [("{}{}的人均可支配收入是多少元？", 3), ("{}{}有多少脱贫人口？", 2),
                 ("{}{}的户籍人口是多少？", 1), ("{}{}的贫困发生率是多少？", 4)]
    asked = [(ask.format(COUNTY, t.name), t.cells()[col])
             for t, (ask, col) in zip(towns[:7], town_asks * 2)]
    crops = [i for i in industries if i.area]
    asked += [(f"2023年{COUNTY}{crops[0].name}产业的产值是多少万元？", crops[0].cells()[2]),
              (f"2023年{COUNTY}{crops[1].name}产业带动了多少户脱贫户？", crops[1].cells()[3]),
              (f"{COUNTY}{LIVESTOCK[0]}2023年产值多少万元？", industries[-2].cells()[2]),
              (f"{COUNTY}{LIVESTOCK[1]}带动脱贫户多少户？", industries[-1].cells()[3]),
              (f"{COUNTY}{crops[2].name}种植面积有多少亩？", crops[2].cells()[1])]
    return asked


def village_questions(rows: list[Village], pages: list[int]) -> list[tuple[str, str]]:
    """Twelve about rows after the page break, six before it: every kind of cell asked of both."""
    asks = [("{}有多少脱贫人口？", 3), ("{}的主导产业是什么？", 5), ("{}属于哪个乡镇？", 1),
            ("{}有多少户？", 2), ("{}的人均收入是多少万元？", 4), ("{}的脱贫人口是多少人？", 3)]
    later = [v for v, page in zip(rows, pages) if page > pages[0]]
    first = [v for v, page in zip(rows, pages) if page == pages[0]]
    chosen = later[:12] + first[::max(1, len(first) // 6)][:6]
    return [(asks[n % len(asks)][0].format(v.name), v.cells()[asks[n % len(asks)][1]]) for n, v in enumerate(chosen)]


def write_gold(path: Path, bulletin: list[tuple[str, str]], village: list[tuple[str, str]]) -> int:
    items = seed_questions()
    tables = [(q, a, "bulletin.pdf") for q, a in bulletin] + [(q, a, "villages.pdf") for q, a in village]
    items += [{"id": f"table{n:02d}", "question": q, "answers": [a], "docs": [doc], "type": "table"}
              for n, (q, a, doc) in enumerate(tables, 1)]
    path.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items), encoding="utf-8")
    return len(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--gold", type=Path, default=EVAL / "gold_pdf.jsonl")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    pages = write_reports(args.out_dir)
    towns, industries, rows = county_figures(random.Random(42))
    pages["bulletin.pdf"] = write_bulletin(args.out_dir / "bulletin.pdf", towns, industries)
    pages["villages.pdf"], row_pages = write_villages(args.out_dir / "villages.pdf", rows)
    count = write_gold(args.gold, bulletin_questions(towns, industries), village_questions(rows, row_pages))
    for name, n in pages.items():
        print(f"{args.out_dir / name}: {n} pages")
    print(f"{args.gold}: {count} questions ({sum(p > row_pages[0] for p in row_pages)} village rows after the page break)")


if __name__ == "__main__":
    main()
