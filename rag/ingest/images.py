"""Images -> text by OCR: .png .jpg .jpeg .tif .tiff .bmp files, and the scanned pages of a PDF.

An image is turned upright (EXIF orientation), flattened onto white (transparent text would
otherwise read as black on black) and refused when it is too small or too blank to hold text.
A multi-page TIFF (a fax, a scanner's batch) is paged like a PDF.

An image's declared size is checked before it is decoded (setting max_image_megapixels), on every
page of a TIFF: a 200 KB PNG may declare 40000 x 40000 pixels, gigabytes once decoded.
"""

from __future__ import annotations

import io
import re
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
    limit = reading.config.max_image_megapixels
    image = _open(data, limit)
    if reading.ocr is None:
        raise LoadError('an image holds no text without OCR, which is off (set ocr = "auto")')
    count = min(getattr(image, "n_frames", 1), MAX_FRAMES)
    problem = ""
    lines: list[list[Printed]] = []
    reading.tick(0, count)
    for n in range(count):  # one frame in memory at a time: a TIFF may hold hundreds of pages
        frame = _frame(image, n, limit)
        problem = unreadable(frame)
        lines.append([] if problem else ocr_lines(frame, reading.ocr))
        reading.tick(n + 1, count)
    if not any(lines):
        raise LoadError(problem or "OCR found no text in the image")
    texts = page_texts(lines)
    if len(texts) == 1:
        return Extracted(texts[0].text, ocr=True)
    return Extracted(
        pages=tuple(p.text for p in texts),
        runs_on=tuple(p.runs_on for p in texts),
        ocr_pages=tuple(n for n, page in enumerate(lines, 1) if page),
        ocr=True,
    )


def _open(data: bytes, limit: float) -> Any:
    """The image, opened lazily, its declared size checked against `limit` megapixels, then decoded."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
        check_pixels(image.size, limit)
        image.load()
    except UnidentifiedImageError:
        raise LoadError("not a readable image (no image format Pillow knows)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(exc, limit) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise LoadError(f"not a readable image (damaged: {str(exc)[:80]})") from None
    return image


def _frame(image: Any, n: int, limit: float) -> Any:
    from PIL import Image

    try:
        image.seek(n)  # a TIFF page's header; each page states its own size
        check_pixels(image.size, limit, f"page {n + 1}: ")
        image.load()
        return image.copy()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(exc, limit, f"page {n + 1}: ") from None
    except (OSError, ValueError, EOFError) as exc:
        raise LoadError(f"not a readable image (page {n + 1} damaged: {str(exc)[:80]})") from None


def check_pixels(size: tuple[int, int], limit: float, where: str = "") -> None:
    """Refuse an image whose declared width x height is over `limit` megapixels."""
    width, height = size
    if width * height > limit * 1e6:
        raise LoadError(
            f"{where}image of {width}x{height} pixels ({width * height / 1e6:,.0f} megapixels) is over "
            f"the {limit:g}-megapixel limit (setting max_image_megapixels); refused before decoding"
        )


def _bomb(exc: Exception, limit: float, where: str = "") -> LoadError:
    """Pillow's own decompression-bomb guard, which refuses more than twice Image.MAX_IMAGE_PIXELS
    while opening, before the size can be read (and warns above it, an error under -W error): our
    message when the setting is what the image breaks, else Pillow's limit named."""
    from PIL import Image

    found = re.search(r"\((\d+) pixels\)", str(exc))
    if not found:
        return LoadError(f"{where}image too large to decode safely ({str(exc)[:100]}); refused before decoding")
    pixels = int(found.group(1))
    if pixels > limit * 1e6:
        return LoadError(
            f"{where}image of {pixels / 1e6:,.0f} megapixels is over the {limit:g}-megapixel limit "
            "(setting max_image_megapixels); refused before decoding"
        )
    pillow = (2 if isinstance(exc, Image.DecompressionBombError) else 1) * (Image.MAX_IMAGE_PIXELS or 0)
    return LoadError(
        f"{where}image of {pixels / 1e6:,.0f} megapixels is over the image library's own limit of "
        f"{pillow / 1e6:,.0f} megapixels (Pillow's decompression-bomb guard); refused before decoding"
    )


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
