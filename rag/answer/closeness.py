"""How close in meaning a passage sentence is to the question, by the retrieval embedder.

Word coverage alone ranks a reworded question's sentences badly (新冠流行那段时间 against
疫情期间); the embedder that ranked the passages also ranks their sentences. Measured on the
sentences the prompt shows (eval/notes/key-sentence.md): the sentence first
by coverage plus closeness holds the gold answer for DRCD 0.855 (0.820 by coverage alone), the
seeds 0.938 (0.877), CMRC 2018 0.825 (0.745). An EmbedderCloseness is what rag.answer.extract
calls a Closeness."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:
    from rag.models.embedding import Embedder

MEMO_SIZE = 512  # (question, sentence) pairs: the prompt, its second try and the fallback share them


class EmbedderCloseness:
    """closeness(question, texts) -> the cosine of each text to the question, by the embedder.
    The embedder is fetched on first use (`embedder()`), and pairs seen before are not encoded
    again."""

    def __init__(self, embedder: Callable[[], Embedder]):
        self._embedder = embedder
        self._memo: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, question: str, texts: Sequence[str]) -> list[float]:
        with self._lock:
            known = {t: self._memo[(question, t)] for t in texts if (question, t) in self._memo}
        new = [t for t in dict.fromkeys(texts) if t not in known]
        if new:
            encoder = self._embedder()
            scores = encoder.encode_documents(new) @ encoder.encode_query(question)
            known.update(zip(new, (float(s) for s in scores), strict=True))
            with self._lock:
                self._memo.update(((question, t), known[t]) for t in new)
                while len(self._memo) > MEMO_SIZE:
                    self._memo.popitem(last=False)
        return [known[t] for t in texts]
