"""The loader's and the indexer's English lines, said in Chinese for the chat page. The API and
the CLI keep the English (clients and scripts may parse it); a person reading the page gets the
file's name and the reason in Chinese, and the setting to change where there is one. A line no
rule knows is shown as it is."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

# (the reason in English, as the loader words it; the Chinese, with the groups it keeps)
REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(english, re.S), zh)
    for english, zh in (
        (r"binary file, not text.*", "二进制文件，不是文本"),
        (r"empty file", "文件是空的"),
        (r"no text left after extraction and cleaning", "提取并清理后没有剩下文字"),
        (r"encrypted PDF.*", "PDF 已加密（需要密码），请另存一份未加密的副本"),
        (r"PDF has no text and no scanned pages", "PDF 中没有文字，也没有扫描页"),
        (r"OCR found no text on the scanned pages", "扫描页上没有识别出文字"),
        (
            r"scanned PDF \(no text layer\) and OCR is off.*",
            '扫描版 PDF（没有文字层），而文字识别已关闭；设置 ocr = "auto" 即可读取',
        ),
        (r"not a readable image.*", "无法读取的图片（可能已损坏）"),
        (
            r"an image holds no text without OCR, which is off.*",
            '图片中的文字需要文字识别，而文字识别已关闭；设置 ocr = "auto" 即可读取',
        ),
        (r"not a readable (\w+) .*", r"无法读取的 \1 文件（可能已损坏）"),
        (r"image of (\d+)x(\d+) pixels is too small to hold text", r"图片只有 \1×\2 像素，太小，容不下文字"),
        (r"blank image: no text to read", "空白图片，没有可读的文字"),
        (r"unsupported file type (\S+).*", r"不支持 \1 类型的文件"),
        (r"cannot read the file.*", "无法打开文件"),
        (r"could not be read this time; its indexed version was kept", "这次无法读取，已保留之前索引的版本"),
        (
            r"pages ([\d,\-–]+) are scans and OCR is off; they were left out",
            r"第 \1 页是扫描页，而文字识别已关闭，已略过",
        ),
        (r"page (\d+) draws .*\(setting (\w+)\); it was left out", r"第 \1 页内容过多，超过上限（设置 \2），已略过"),
        (r"sheet (.+?): stopped reading at row (\d+).*", r"工作表 \1：连续空行过多，读到第 \2 行为止"),
        (r".*\(setting (\w+)\).*", r"超过读取上限（设置 \1）"),
    )
)
SKIPPED = re.compile(r"skipped (?P<path>[^:]+): (?P<reason>.*)", re.S)
ABOUT = re.compile(r"(?P<name>[^:：]+?): (?P<reason>.*)", re.S)


def reason(english: str) -> str:
    """A reason in Chinese, or as it is when no rule knows it."""
    english = english.strip()
    for pattern, zh in REASONS:
        if pattern.fullmatch(english):
            return pattern.sub(zh, english)
    return english


def line(text: str) -> str:
    """A warning (`skipped PATH: REASON`, `NAME: REASON`) or a LoadError's message (`PATH:
    REASON`) in Chinese, the file named by its own name."""
    skipped = SKIPPED.fullmatch(text.strip())
    if skipped:
        return f"跳过 {PurePosixPath(skipped['path']).name}：{reason(skipped['reason'])}"
    about = ABOUT.fullmatch(text.strip())
    if about and reason(about["reason"]) != about["reason"].strip():
        return f"{PurePosixPath(about['name']).name}：{reason(about['reason'])}"
    return text
