"""What each retriever side returns: store rows, best first, with that side's scores."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Ranked:
    rows: np.ndarray  # int64 store rows, best first
    scores: np.ndarray  # float32, same order; comparable only within one side

    @classmethod
    def empty(cls) -> "Ranked":
        return cls(np.zeros(0, np.int64), np.zeros(0, np.float32))

    def __len__(self) -> int:
        return len(self.rows)
