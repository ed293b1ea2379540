"""Named things from jieba's part-of-speech tags: nr a person, ns a place, nt an organization, t a
time, nz another proper noun, and a Latin word inside Chinese text another name."""

from __future__ import annotations

from rag.text.normalize import han_share
from rag.text.tokenize import pos_tags

_KINDS = {
    "nr": "person",
    "nrfg": "person",
    "nrt": "person",
    "ns": "place",
    "nt": "organization",
    "t": "time",
    "nz": "name",
}


class JiebaTagger:
    name = "jieba"

    def tag(self, text: str) -> list[tuple[str, str]]:
        chinese = han_share(text) >= 0.5
        found = []
        for word, flag in pos_tags(text):
            kind = _KINDS.get(flag) or ("name" if chinese and flag == "eng" else None)
            if kind and len(word) >= (1 if kind == "time" else 2):
                found.append((word, kind))
        return found
