"""OCR: the Ocr protocol and the factory that picks an engine from the `ocr` setting.

    ocr = make_ocr(config)            # cheap: the models load on the first page read
    boxes = ocr.read(image)           # PIL image -> recognised text boxes, in no particular order
    text = paragraphs(boxes)          # rag.ingest.ocr.layout: reading order, then paragraphs

Engines, one per file: `rapid` (RapidOCR on ONNX Runtime, whose Chinese PP-OCRv4 models ship in
its wheel, so nothing is downloaded). `ocr = "auto"` reads scanned pages and images with it;
`ocr = "off"` skips them with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from rag.errors import ConfigError

if TYPE_CHECKING:
    from rag.config import Config

CHOICES = ("auto", "off")


@dataclass(frozen=True)
class TextBox:
    """One line of text as the engine found it, with its box in image pixels."""

    text: str
    left: float
    top: float
    right: float
    bottom: float
    score: float = 1.0

    @property
    def height(self) -> float:
        return self.bottom - self.top


class Ocr(Protocol):
    name: str

    def read(self, image: Any) -> list[TextBox]:
        """The text boxes in a PIL image; loads the engine on first use."""
        ...


def make_ocr(config: "Config") -> Ocr | None:
    """The configured engine, or None when OCR is off."""
    choice = config.ocr.strip().lower()
    if choice == "off":
        return None
    if choice == "auto":
        from rag.ingest.ocr.rapid import RapidOcr

        return RapidOcr(threads=config.n_threads)
    raise ConfigError(f"setting 'ocr' is {config.ocr!r}; valid choices: {', '.join(CHOICES)}")
