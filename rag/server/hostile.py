"""Hostile uploads, made on demand: what the soak (`rag bench --soak`) mixes into its uploads and
what the tests send, so that both prove the same bounds (rag.ingest.archive, rag.ingest.images)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

LONG_NAME = "关于进一步做好脱贫攻坚与乡村振兴有效衔接工作的实施意见" * 12  # 324 characters, 972 bytes


def zip_bomb_docx(inflated_mb: int = 300) -> bytes:
    """A valid .docx whose word/document.xml is one paragraph of `inflated_mb` MB of spaces: a few
    hundred KB (deflate packs a run of spaces about a thousand to one)."""
    import docx

    plain, bomb_bytes = io.BytesIO(), io.BytesIO()
    docx.Document().save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bomb_bytes, "w", zipfile.ZIP_DEFLATED) as bomb:
        for member in source.infolist():
            if member.filename != "word/document.xml":
                bomb.writestr(member, source.read(member))
                continue
            head = source.read(member).split(b"<w:body>")[0]
            with bomb.open("word/document.xml", "w", force_zip64=True) as out:
                out.write(head + b'<w:body><w:p><w:r><w:t xml:space="preserve">')
                block = b" " * (1 << 20)
                for _ in range(inflated_mb):
                    out.write(block)
                out.write("炸弹</w:t></w:r></w:p></w:body></w:document>".encode())
    return bomb_bytes.getvalue()


def huge_png(width: int = 40000, height: int = 40000) -> bytes:
    """A PNG whose header declares width x height 1-bit pixels and whose data is a few bytes: under
    a hundred bytes, gigabytes if a reader believed it and decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale, not interlaced
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")
    )
