"""From extracted text to clean paragraphs: web debris out, repeated lines collapsed, whitespace
normalised, a closing bracketed writer's name marked as the author; and the metadata a report
states about itself (title, date, source).

The debris rules come from what the seed pages carry (返回顶部, 分享到, 相关文章, 新闻推荐 and the
channel list after it, bare URLs, 瞭解…關注… footers, editor credits). Lines are compared in their
`compact` form (simplified, half-width, no spaces), so a rule or a repeat matches in either script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from rag.text.normalize import HAN, compact, han_share

_CJK_PUNCT = "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65“”‘’—…·"
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A space beside full-width punctuation, or after a half-width comma between Chinese characters,
# is an artefact of web layout; a space between two Chinese words (a title's two halves) is not.
_SPACE_BY_PUNCT = re.compile(rf"(?<=[{_CJK_PUNCT}]) +| +(?=[{_CJK_PUNCT}])")
_SPACE_AFTER_COMMA = re.compile(rf"(?<=[{HAN}][,;:!?]) +(?=[{HAN}])")
_URL = re.compile(r"(?:https?://|ftp://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+")
_BULLETS = "•·▪●◆■□○◇►▶※*-"

_DEBRIS = re.compile(
    "|".join(
        [
            r"返回(顶部|首页|列表|上一页)?",
            r"(分享到|分享至|一键分享).{0,40}",
            r"了解.{1,12}关注.{1,12}",  # 瞭解安嶽動態 關注安嶽時事
            r"[(\[【]?(责编|责任编辑|编辑|审核|校对|监制|签发|主编)[:].{0,30}?[)\]】]?",
            r"(【?(打印|关闭|收藏|加入收藏|纠错)(本页|此页|此文|本文|窗口)?】?)+",
            r".{0,80}(ICP[备证]|公网安备|网站标识码).{0,160}",  # a Chinese site's registration footer
            r"技术支持[:].{0,40}",
            r".{0,80}(版权所有|Copyright|©).{0,80}",  # a footer, or a reprint notice
            r"(当前位置|您现在的位置|您的位置|现在的位置|所在位置)[:].{0,80}",  # a breadcrumb
            r"(站内)?搜索",  # a search box's label
            r"(上一篇|下一篇)[:].{0,60}",
            r"【?字[号体][:]?[大中小\s]{0,8}】?",
            r"(扫一扫|扫码)(关注|分享|阅读).{0,20}",
        ]
    ),
    re.I,
)  # lines are compared compact(), lower-cased: ICP, Copyright
# Markers after which a page lists other articles or channels: the marker and the short,
# unpunctuated lines that follow it go.
_LIST_MARKER = re.compile(
    r"(相关文章|相关阅读|相关新闻|相关链接|延伸阅读|推荐阅读|热点推荐|新闻推荐|猜你喜欢|热门文章)[:]?"
)
_SENTENCE_END = "。！？!?；;…"
_STARTS_BLOCK = re.compile(
    r"#|[-*+•]\s|\d{1,2}[.、)）]\D|[(（][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、"
)
_REPEAT_MIN = 30  # a repeated sentence is debris; a repeated name or heading may not be


@dataclass(frozen=True)
class Metadata:
    title: str = ""
    date: str = ""  # YYYY-MM-DD
    source: str = ""


@dataclass(frozen=True)
class Cleaned:
    text: str  # paragraphs separated by one blank line ("\n\n"); "" when nothing is left
    pages: tuple[int, ...] = ()  # where page n+1 begins in text


@dataclass(frozen=True)
class _Line:
    """A line of text and the 0-based pages it holds: (offset in the line, page) where each begins."""

    text: str
    marks: tuple[tuple[int, int], ...]

    def joined(self, other: "_Line", glue: str = "") -> "_Line":
        shift = len(self.text) + len(glue)
        return _Line(self.text + glue + other.text, self.marks + tuple((o + shift, p) for o, p in other.marks))


# --- cleaning -------------------------------------------------------------------------------------
def clean_text(raw: str) -> str:
    """Clean paragraphs separated by one blank line ("\n\n"); "" when nothing is left."""
    return clean_pages([raw]).text


def clean_pages(pages: Sequence[str], runs_on: Sequence[bool] = ()) -> Cleaned:
    """Clean the pages of a document as one text and say where each page begins in it.
    `runs_on[i]`: page i ends inside a paragraph that page i + 1 goes on with, so the two
    pieces become one paragraph (unless page i + 1 opens with a heading or list item)."""
    lines = [
        _Line(_normalise_line(line), ((0, page),))
        for page, raw in enumerate(pages)
        for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ]
    lines = _drop_debris([line for line in lines if line.text])
    lines = _name_byline(_join_continuations(_collapse_repeats(lines), runs_on))
    return Cleaned("\n\n".join(line.text for line in lines), _page_starts(lines, len(pages)))


_FIGURE_BREAK = re.compile(r"\d[\d.,%]|[.,]\d")


def join_glue(left: str, right: str) -> str:
    """What goes between two pieces of one line of text: nothing beside Chinese, nor inside a
    figure Chinese type broke over two lines (8 / .6%, 14 / ,018, 1 / 946), else a space."""
    if not left or not right or left[-1] >= "\u3000" or right[0] >= "\u3000":
        return ""
    if _FIGURE_BREAK.match(left[-1] + right[0]) and han_share(left[-12:] + right[:12]) >= 0.5:
        return ""  # Chinese type breaks a figure anywhere (1 / 946名, 8 / .6%); no space was there
    return " "


def one_line(text: str) -> str:
    """Text an author broke over lines (a table cell, a slide title) as one line."""
    out = ""
    for part in text.replace("\x0b", "\n").split("\n"):
        out += join_glue(out, part.strip()) + part.strip()
    return out


def _page_starts(lines: list[_Line], count: int) -> tuple[int, ...]:
    """Offset where each page begins; a page that kept no text begins where the next one does."""
    starts = [-1] * count
    offset = 0
    for line in lines:
        for at, page in line.marks:
            if starts[page] < 0:
                starts[page] = offset + min(at, len(line.text))
        offset += len(line.text) + 2
    end = max(offset - 2, 0)
    for page in reversed(range(count)):
        if starts[page] < 0:
            starts[page] = starts[page + 1] if page + 1 < count else end
    return tuple(starts)


def _normalise_line(line: str) -> str:
    line = _INVISIBLE.sub("", line)
    line = _URL.sub(" ", line)
    line = _SPACES.sub(" ", line).strip()
    line = _SPACE_BY_PUNCT.sub("", line)
    return _SPACE_AFTER_COMMA.sub("", line)


def _debris_key(line: str) -> str:
    key = compact(line.lstrip(_BULLETS + " "))
    return key.replace("：", ":").replace("（", "(").replace("）", ")")


def _drop_debris(lines: list[_Line]) -> list[_Line]:
    out: list[_Line] = []
    in_list = False
    for line in lines:
        key = _debris_key(line.text)
        if _LIST_MARKER.fullmatch(key):
            in_list = True
            continue
        if in_list and _is_link_like(line.text):
            continue
        in_list = False
        if key and not _DEBRIS.fullmatch(key) and re.search(r"\w", key):
            out.append(line)
    return out


def _is_link_like(line: str) -> bool:
    """A channel name or a linked headline: short and not a sentence."""
    return len(line) <= 40 and line[-1] not in _SENTENCE_END + "。,，"


def _collapse_repeats(lines: list[_Line]) -> list[_Line]:
    """Drop a line that repeats the title, a long line, or the line just before it, verbatim or
    in the other script, once or several times over (seed 001 prints its title six times, twice
    as a doubled line). Short lines may recur on purpose: a speaker answers several questions."""
    seen: set[str] = set()
    out: list[_Line] = []
    for line in lines:
        key = compact(line.text)
        if _is_repeat(key, seen) or (out and key == compact(out[-1].text)):
            continue
        if not out or len(key) >= _REPEAT_MIN:
            seen.add(key)
        out.append(line)
    return out


def _is_repeat(key: str, seen: set[str]) -> bool:
    if key in seen:
        return True
    size = len(key)
    for times in range(2, size // 2 + 1):
        if size % times == 0 and key[: size // times] in seen and key == key[: size // times] * times:
            return True
    return False


def _join_continuations(lines: list[_Line], runs_on: Sequence[bool]) -> list[_Line]:
    """A line ending in a comma was cut mid-sentence by the page layout, and so was the last
    line of a page that runs on: join it to the next, unless the next line starts a heading or
    a list item of its own."""
    out: list[_Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if not prev or prev.text.startswith("#") or _STARTS_BLOCK.match(line.text):
            out.append(line)
        elif prev.text[-1] in ",，、":
            out[-1] = prev.joined(line)
        elif _runs_on(prev, line, runs_on):
            out[-1] = prev.joined(line, join_glue(prev.text, line.text))
        else:
            out.append(line)
    return out


def _runs_on(prev: _Line, line: _Line, runs_on: Sequence[bool]) -> bool:
    """`line` opens the page after the one `prev` ends, and that page ends inside a paragraph."""
    page = prev.marks[-1][1]
    return line.marks[0] == (0, page + 1) and page < len(runs_on) and runs_on[page]


_BYLINE = re.compile(rf"[(（]([{HAN}]{{2,4}}(?:[ 、][{HAN}]{{2,4}})*)[)）]$")


def _name_byline(lines: list[_Line]) -> list[_Line]:
    """A news report ends with its writer's name in brackets, (兰萍); saying what it is,
    (作者:兰萍), lets a question about the author find and understand it."""
    match = _BYLINE.search(lines[-1].text) if lines else None
    if match and all(_is_person(name) for name in re.split(r"[ 、]", match[1])):
        last = lines[-1]
        lines = lines[:-1] + [_Line(f"{last.text[: match.start()]}(作者:{match[1]})", last.marks)]
    return lines


def _is_person(word: str) -> bool:
    from rag.text.tokenize import pos_tags  # jieba's tagger loads on first use, not with the module

    tags = pos_tags(word)
    return len(tags) == 1 and tags[0][1].startswith("nr")


# --- metadata -------------------------------------------------------------------------------------
_YEAR = r"((?:19|20)\d\d)"
_DATES = (
    (re.compile(_YEAR + r"\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"), (1, 2, 3)),
    (re.compile(r"(?<!\d)" + _YEAR + r"[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"), (1, 2, 3)),
    (re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\." + _YEAR + r"(?!\d)"), (3, 2, 1)),  # 22.12.2015
)
_SOURCE = re.compile(r"(?:来|來)\s*源\s*[:：]\s*([^\s()（）|｜,，;；]+)")
_MASTHEAD = re.compile(r"第[一二三四五六七八九十百零〇\d]+期|专报|簡報|简报|通讯|通訊|动态|動態")
_HEADER_LINES = 8


def extract_metadata(text: str, title_hint: str = "", masthead: str = "") -> Metadata:
    """Title (the hint, else the first line), date and source as stated in the header lines.
    `masthead` is a running header the pages print (rag.ingest.pages.running_head)."""
    paragraphs = text.split("\n\n") if text else []
    header = _header(paragraphs)
    title = title_hint.strip() or _title(paragraphs, header, masthead)
    return Metadata(title=title, date=_date(header), source=_source(header))


def _header(paragraphs: list[str]) -> list[str]:
    """The lines before the first body paragraph: where a page states its title, date and source."""
    header = []
    for paragraph in paragraphs[:_HEADER_LINES]:
        if len(paragraph) > 80 or paragraph.endswith("。"):
            break
        header.append(paragraph)
    return header


def _title(paragraphs: list[str], header: list[str], masthead: str = "") -> str:
    while paragraphs and is_meta_line(paragraphs[0].lstrip("#").strip()):
        paragraphs, header = paragraphs[1:], header[1:]  # a scan's first line may be its date
    if not paragraphs:
        return ""
    first = paragraphs[0].lstrip("#").strip()
    if len(first) > 80 or first.endswith("。"):
        return ""
    for line in (raw.lstrip("#").strip() for raw in header[1:]):  # a heading's marks are no part of a title
        if line.startswith(("——", "--")):
            return first + line
        # a masthead (重庆扶贫专报第四十八期, or the issuer a running header names) is followed
        # by the document's own title
        if (_MASTHEAD.search(first) or (masthead and first == masthead)) and _is_title_like(line):
            return f"{first} {line}"
    return first


def _is_title_like(line: str) -> bool:
    return (
        4 <= len(line) <= 40
        and line[-1] not in _SENTENCE_END + "。,，:：、"
        and not _date(line.split("\n"))
        and not _SOURCE.search(line)
    )


def _date(header: list[str]) -> str:
    for line in header:
        for pattern, order in _DATES:
            for match in pattern.finditer(line):
                year, month, day = (int(match.group(i)) for i in order)
                if 1 <= month <= 12 and 1 <= day <= 31:
                    return f"{year:04d}-{month:02d}-{day:02d}"
    return ""


def _source(header: list[str]) -> str:
    for line in header:
        match = _SOURCE.search(line)
        if match:
            return match.group(1).strip("-—:：")
    return ""


def is_meta_line(line: str) -> bool:
    """A dateline or source line (2020年05月11日10:50 来源:人民网), not prose."""
    return len(line) <= 80 and bool(_SOURCE.search(line) or (_date([line]) and not line.endswith("。")))
