"""Images -> text by OCR: .png .jpg .jpeg .tif .tiff .bmp files, and the scanned pages of a PDF.

An image is turned upright (EXIF orientation), flattened onto white (transparent text would
otherwise read as black on black) and refused when it is too small or too blank to hold text.
A multi-page TIFF (a fax, a scanner's batch) is paged like a PDF.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from rag.errors import LoadError
from rag.ingest.extracted import Extracted, Reading
from rag.ingest.pages import Printed, page_texts

if TYPE_CHECKING:
    from rag.ingest.ocr import Ocr

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"})
MIN_SIDE = 16  # pixels: no line of text fits in an image narrower or lower than this
_BLANK_SPREAD = 8  # grey levels: an image whose pixels differ by less than this is blank
MAX_FRAMES = 500


def read_image(data: bytes, reading: Reading) -> Extracted:
    image = _open(data)
    if reading.ocr is None:
        raise LoadError('an image holds no text without OCR, which is off (set ocr = "auto")')
    count = min(getattr(image, "n_frames", 1), MAX_FRAMES)
    problem = ""
    lines: list[list[Printed]] = []
    reading.tick(0, count)
    for n in range(count):  # one frame in memory at a time: a TIFF may hold hundreds of pages
        frame = _frame(image, n)
        problem = unreadable(frame)
        lines.append([] if problem else ocr_lines(frame, reading.ocr))
        reading.tick(n + 1, count)
    if not any(lines):
        raise LoadError(problem or "OCR found no text in the image")
    texts = page_texts(lines)
    if len(texts) == 1:
        return Extracted(texts[0].text, ocr=True)
    return Extracted(pages=tuple(p.text for p in texts), runs_on=tuple(p.runs_on for p in texts),
                     ocr_pages=tuple(n for n, page in enumerate(lines, 1) if page), ocr=True)


def _open(data: bytes) -> Any:
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except UnidentifiedImageError:
        raise LoadError("not a readable image (no image format Pillow knows)") from None
    except Image.DecompressionBombError as exc:
        raise LoadError(f"image too large to read safely ({exc})") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise LoadError(f"not a readable image (damaged: {str(exc)[:80]})") from None
    return image


def _frame(image: Any, n: int) -> Any:
    try:
        image.seek(n)
        image.load()
        return image.copy()
    except (OSError, ValueError, EOFError) as exc:
        raise LoadError(f"not a readable image (page {n + 1} damaged: {str(exc)[:80]})") from None


def upright_rgb(image: Any) -> Any:
    """The image as a reader sees it: turned by its EXIF orientation, on a white background."""
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def unreadable(image: Any) -> str:
    """Why an image cannot hold text ("" when it may)."""
    width, height = image.size
    if min(width, height) < MIN_SIDE:
        return f"image of {width}x{height} pixels is too small to hold text"
    low, high = upright_rgb(image).convert("L").getextrema()
    if high - low < _BLANK_SPREAD:
        return "blank image: no text to read"
    return ""


def ocr_lines(image: Any, ocr: "Ocr") -> list[Printed]:
    from rag.ingest.ocr.layout import printed_lines

    return printed_lines(ocr.read(upright_rgb(image)))
