"""The chat page says the loader's lines in Chinese: the file by its own name, the reason, and
the setting to change; the API and the CLI keep the English."""

from __future__ import annotations

import re

import pytest
from doc_fixtures import documents_folder

from rag.config import Config
from rag.ingest.load import load_paths
from rag.ui import zh

SETTING = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|ocr = \"auto\"")  # a setting's name stays as it is written


def english_words(text: str) -> list[str]:
    """Words of English left in a line; a format's name (PDF, PPTX) is not one."""
    return [w for w in re.findall(r"[A-Za-z]{3,}", SETTING.sub("", text)) if not w.isupper()]


@pytest.mark.parametrize("english, chinese", [
    ("skipped /tmp/up/blob.txt: binary file, not text", "跳过 blob.txt：二进制文件，不是文本"),
    ("/srv/kb/报告.pdf: encrypted PDF (it needs a password); save an unencrypted copy",
     "报告.pdf：PDF 已加密（需要密码），请另存一份未加密的副本"),
    ("skipped a/b.pptx: not a readable PPTX (KeyError: \"no member\")", "跳过 b.pptx：无法读取的 PPTX 文件（可能已损坏）"),
    ("表.pdf: page 2 draws 600,000 characters, over the 100,000 limit (setting max_page_chars); it was left out",
     "表.pdf：第 2 页内容过多，超过上限（设置 max_page_chars），已略过"),
    ("skipped x.docx: part word/document.xml would inflate to 1073.7 MB, over the 100 MB limit for one part "
     "(setting max_unzipped_member_mb)", "跳过 x.docx：超过读取上限（设置 max_unzipped_member_mb）"),
    ("报告.txt: could not be read this time; its indexed version was kept", "报告.txt：这次无法读取，已保留之前索引的版本"),
])
def test_a_loader_line_is_said_in_chinese_naming_the_file_and_the_setting(english, chinese):
    assert zh.line(english) == chinese


def test_a_line_no_rule_knows_is_shown_as_it_is():
    assert zh.line("something new happened") == "something new happened"


def test_every_line_the_loader_writes_for_a_folder_of_bad_files_is_chinese(tmp_path):
    warnings: list[str] = []
    folder = documents_folder(tmp_path / "mixed")
    load_paths([folder], Config(ocr="off"), warn=warnings.append)
    assert len(warnings) >= 6
    for line in warnings:
        shown = zh.line(line)
        for own in [p.name for p in folder.iterdir()] + ["工作表 Sheet"]:  # the user's own names stay
            shown = shown.replace(own, "")
        assert english_words(shown) == [], (line, zh.line(line))
