"""The official CMRC 2018 metrics (cmrc2018_evaluate.py, "v5 - special", Python 2) ported to
Python 3: EM after removing punctuation, F1 over the longest common substring of the mixed
Chinese-character / English-word segmentation, each the best over the reference answers.

One deliberate difference: the official script splits runs of non-Chinese text with
nltk.word_tokenize, whose punkt data cannot be fetched here; a regex that keeps numbers with
their decimal points and words whole stands in for it. The two agree on the digits, Latin words
and punctuation that make up CMRC answers."""

from __future__ import annotations

import re
from typing import Sequence

# Copied from the official script, quirks included: "……" is two characters long, so a lone
# "…" is never removed, exactly as there.
SP_CHAR = (
    "-",
    ":",
    "_",
    "*",
    "^",
    "/",
    "\\",
    "~",
    "`",
    "+",
    "=",
    "，",
    "。",
    "：",
    "？",
    "！",
    "“",
    "”",
    "；",
    "’",
    "《",
    "》",
    "……",
    "·",
    "、",
    "「",
    "」",
    "（",
    "）",
    "－",
    "～",
    "『",
    "』",
)
_CJK = re.compile(r"[\u4e00-\u9fa5]")
_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|\d+|[^\w\s]")


def _word_tokenize(text: str) -> list[str]:
    return _WORD.findall(text)


def mixed_segmentation(text: str, rm_punc: bool = False) -> list[str]:
    """Each Chinese character (and each listed punctuation mark) is a segment; other runs are
    split into words."""
    segments: list[str] = []
    pending = ""
    for char in str(text).lower().strip():
        if rm_punc and char in SP_CHAR:
            continue
        if _CJK.match(char) or char in SP_CHAR:
            segments.extend(_word_tokenize(pending))
            pending = ""
            segments.append(char)
        else:
            pending += char
    segments.extend(_word_tokenize(pending))
    return segments


def remove_punctuation(text: str) -> str:
    return "".join(c for c in str(text).lower().strip() if c not in SP_CHAR)


def find_lcs(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common contiguous run of segments (dynamic programming)."""
    best = 0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0] * (len(b) + 1)
        for j, y in enumerate(b):
            if x == y:
                current[j + 1] = previous[j] + 1
                best = max(best, current[j + 1])
        previous = current
    return best


def cmrc_f1(prediction: str, answers: Sequence[str]) -> float:
    scores = [0.0]
    predicted = mixed_segmentation(prediction, rm_punc=True)
    for answer in answers:
        wanted = mixed_segmentation(answer, rm_punc=True)
        common = find_lcs(wanted, predicted)
        if common:
            precision, recall = common / len(predicted), common / len(wanted)
            scores.append(2 * precision * recall / (precision + recall))
    return max(scores)


def cmrc_em(prediction: str, answers: Sequence[str]) -> float:
    predicted = remove_punctuation(prediction)
    return 1.0 if any(remove_punctuation(a) == predicted for a in answers) else 0.0
