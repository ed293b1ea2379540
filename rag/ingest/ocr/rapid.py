"""RapidOCR (rapidocr-onnxruntime): PP-OCRv4 Chinese detection and recognition on ONNX Runtime.
The three models are files inside the wheel, so reading a page never touches the network."""

from __future__ import annotations

import threading
from typing import Any

from rag.errors import LoadError
from rag.ingest.ocr import TextBox


class RapidOcr:
    name = "rapidocr-onnxruntime"

    def __init__(self, threads: int = 0):
        self.threads = threads  # 0: ONNX Runtime's own choice (all cores)
        self._engine = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._engine is None:
                try:
                    from rapidocr_onnxruntime import RapidOCR
                except ImportError as exc:
                    raise LoadError(
                        f'OCR needs rapidocr-onnxruntime ({exc}); reinstall with `make setup`, or set ocr = "off"'
                    ) from None
                threads = self.threads if self.threads > 0 else -1
                self._engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=threads)
            return self._engine

    def read(self, image: Any) -> list[TextBox]:
        import numpy as np

        engine = self._load()
        result, _ = engine(np.asarray(image.convert("RGB"))[:, :, ::-1])  # RapidOCR takes BGR arrays
        boxes = []
        for points, text, score in result or ():
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            boxes.append(TextBox(str(text), min(xs), min(ys), max(xs), max(ys), float(score)))
        return boxes
