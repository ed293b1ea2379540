"""Bytes -> text for Chinese documents: a BOM, else UTF-8, else a declared charset, else GB or Big5
when the reading is plausible Chinese, else charset-normalizer's guess; binary data is refused."""

from __future__ import annotations

from rag.errors import LoadError

_CHINESE_CODECS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "cp950": "big5hkscs"}
_CHINESE_READINGS = ("gb18030", "big5hkscs")  # GBK/GB2312 and Big5 supersets, in order of preference
_CJK_PUNCTUATION = frozenset("，。、；：？！“”‘’（）《》〈〉「」『』【】—…·　\u00a0")
_COMMON_SHARE = 0.6  # a right reading of Chinese text is mostly common characters; a wrong one is not


def decode_text(data: bytes, declared: str = "") -> str:
    """Bytes -> str, trying the readings in the order of the module docstring; LoadError for binary data."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return _decode(data, codec)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(_CHINESE_CODECS.get(declared.lower(), declared))
        except (LookupError, UnicodeDecodeError):
            pass
    reading = _chinese_reading(data)
    if reading is not None:
        return reading
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or (b"\x00" in data and not best.encoding.startswith("utf_16")):
        raise LoadError("binary file, not text (or an unknown encoding)")
    return _decode(data, _CHINESE_CODECS.get(best.encoding, best.encoding))


def _chinese_reading(data: bytes) -> str | None:
    """The GB or Big5 reading of `data`, judged by how many of its characters are common ones.
    charset-normalizer alone reads short GBK text as Korean or Big5 (正文第一段 -> 攣匡뒤寧뙈). The
    price, fair for a loader of Chinese collections: EUC-KR Korean also reads as common GB text."""
    if b"\x00" in data:
        return None  # UTF-16 or binary: for charset-normalizer
    best, best_share = None, _COMMON_SHARE
    for codec in _CHINESE_READINGS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        share = _common_share(text)
        if share > best_share:
            best, best_share = text, share
    return best


def _common_share(text: str) -> float:
    """Common Chinese characters among all non-ASCII ones other than punctuation: a wrong reading
    yields rare characters, kana, Cyrillic or private-use code points."""
    wide = [c for c in text[:4000] if c > "\x7f" and c not in _CJK_PUNCTUATION and not "\uff01" <= c <= "\uff5e"]
    return sum(map(_is_common_han, wide)) / len(wide) if wide else 0.0


def _is_common_han(char: str) -> bool:
    """Among the 3,755 GB2312 level-1 or the 5,401 Big5 frequent characters."""
    for codec, low, high in (("gb2312", 0xB0A1, 0xD7F9), ("big5", 0xA440, 0xC67E)):
        try:
            if low <= int.from_bytes(char.encode(codec), "big") <= high:
                return True
        except UnicodeEncodeError:
            pass
    return False


def _decode(data: bytes, codec: str) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        text = data.decode(codec, errors="replace")  # a few bad bytes should not lose the file
    if "\x00" in text:
        raise LoadError("binary file, not text")
    return text
