"""Office files (.docx, .xlsx, .pptx) are zip archives of XML parts. Before a reader parses any of
it, the sizes the archive's directory declares are held against the settings: a 2 MB file whose
document.xml inflates to a gigabyte (a zip bomb) is refused from its directory alone, without
inflating a byte. The declared sizes can be trusted as bounds: Python's zipfile, which
python-docx, openpyxl and python-pptx read through, stops a member at its declared size (and then
fails its CRC), so a directory that understates a member gains nothing.

XML entities are never expanded: python-docx and python-pptx parse with lxml's
resolve_entities=False, and openpyxl parses through defusedxml (a pinned dependency), which
refuses a DTD that declares entities."""

from __future__ import annotations

import io
import zipfile

from rag.config import Config
from rag.errors import LoadError

MB = 1e6
RATIO_FROM = 1 << 20  # bytes: a member inflating to less than this cannot hurt, whatever its ratio


def check_archive(data: bytes, config: Config) -> None:
    """Raise LoadError (one line naming the member and the setting) when the zip in `data`
    declares more than the settings allow: max_unzipped_mb in all, max_unzipped_member_mb in one
    member, max_zip_ratio between a sizeable member's inflated and stored sizes. A file that is
    not a zip passes: its reader says it is not readable."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return
    refusal = "refused unread, as it may be a zip bomb"
    total = 0
    for member in members:
        size, stored = member.file_size, member.compress_size
        total += size
        if size > config.max_unzipped_member_mb * MB:
            raise LoadError(
                f"part {member.filename} would inflate to {size / MB:.1f} MB, over the "
                f"{config.max_unzipped_member_mb:g} MB limit for one part (setting "
                f"max_unzipped_member_mb); {refusal}"
            )
        if size >= RATIO_FROM and size > config.max_zip_ratio * max(stored, 1):
            raise LoadError(
                f"part {member.filename} would inflate {size / max(stored, 1):.0f} times "
                f"({stored / MB:.2f} MB to {size / MB:.1f} MB), over the limit of "
                f"{config.max_zip_ratio:g} times (setting max_zip_ratio); {refusal}"
            )
    if total > config.max_unzipped_mb * MB:
        raise LoadError(
            f"its {len(members)} parts would inflate to {total / MB:.1f} MB, over the "
            f"{config.max_unzipped_mb:g} MB limit (setting max_unzipped_mb); {refusal}"
        )


def not_readable(kind: str, exc: BaseException) -> LoadError:
    """`not a readable DOCX (<error>)` in one line, naming the error underneath the one a library
    wrapped it in (openpyxl's ValueError around defusedxml's EntitiesForbidden)."""
    cause = exc.__cause__ or exc
    return LoadError(f"not a readable {kind} ({type(cause).__name__}: {' '.join(str(cause).split())[:80]})")
