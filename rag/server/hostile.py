"""Hostile uploads, made on demand: what the soak (`rag bench --soak`) mixes into its uploads and
what the tests send, so that both prove the same bounds (rag.ingest.archive, rag.ingest.images,
rag.ingest.pdf)."""

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


def glyph_bomb_pdf(glyphs: int = 600_000) -> bytes:
    """A one-page PDF drawing `glyphs` characters, one text-showing operator each: a few KB on
    disk (deflate packs the repeated operator), half a minute and gigabytes if laid out."""
    stream = zlib.compress(b"BT /F1 12 Tf 72 720 Td " + b"(x) Tj\n" * glyphs + b"ET\n", 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, table)
