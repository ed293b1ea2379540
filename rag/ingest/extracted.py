"""What a format's reader gives the loader, and what a reader may need beyond the file's bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Callable

from rag.config import Config

if TYPE_CHECKING:
    from rag.ingest.ocr import Ocr

Progress = Callable[[str, int, int], None]  # (stage, done, total), as rag index reports it


@dataclass(frozen=True)
class Extracted:
    text: str = ""  # formats without pages: the whole text, paragraphs or lines
    title: str = ""  # a title the format states (HTML <h1>/<title>, DOCX properties), if any
    pages: tuple[str, ...] = ()  # paged formats: each page's paragraphs, page 1 first (text unused)
    runs_on: tuple[bool, ...] = ()  # per page: its last paragraph goes on at the top of the next
    ocr_pages: tuple[int, ...] = ()  # 1-based pages read by OCR
    ocr: bool = False  # some of the text was read by OCR
    source: str = ""  # where the file says it came from, beating its text's 来源 line (a saved page's URL)
    masthead: str = ""  # a running header kept atop page 1: it names the publication or issuer
    dated: bool = True  # the opening lines may state a date and source (a table's first rows do not)


def _ignore(message: str) -> None:
    pass


@dataclass(frozen=True)
class Reading:
    """The file being read and the help a reader may call on."""

    name: str = ""  # the document's name, for progress and messages
    ocr: "Ocr | None" = None  # None: OCR is off
    progress: Progress | None = None
    warn: Callable[[str], None] = field(default=_ignore)  # a problem that does not stop the file
    config: Config = field(default_factory=Config)  # the limits a reader checks (max_image_megapixels, ...)
    title: str = ""  # the title where the text states none, when the file's own name is not it (TITLES)

    @property
    def stem(self) -> str:
        """The file's name without folder and extension: the title of a format that states none."""
        return PurePosixPath(self.name).stem

    def tick(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(f"ocr {self.name}", done, total)
