"""Check a .zip's table of contents before anything is extracted or handed to GDAL.

A 1 MB zip can expand to gigabytes (a zip bomb), hold thousands of members, or name members
``../../etc/x`` or ``/abs/path``. The central directory states every member's name and
uncompressed size, so all of that is refused from the listing, before a byte is inflated; the
sizes are then enforced again while reading (``read_member``), since a crafted archive may lie.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from spatial.errors import TooLarge, UnreadableFile


@dataclass(frozen=True)
class ZipLimits:
    """How much one uploaded .zip may hold."""

    max_members: int
    max_unzipped_bytes: int


PROPOSAL_ZIP_LIMITS = ZipLimits(max_members=64, max_unzipped_bytes=200 * 2**20)
"""Anonymous proposal checks: a Shapefile set is 4–8 files of a few MB."""
IMPORT_ZIP_LIMITS = ZipLimits(max_members=10_000, max_unzipped_bytes=20 * 2**30)
"""Signed-in imports: a province's forest inventory is several GB unzipped."""


def _unsafe_name(name: str) -> bool:
    """Return whether a member's name could land outside the folder it is extracted to."""
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or ":" in name or "\x00" in name


def check_members(archive: zipfile.ZipFile, file_name: str, limits: ZipLimits) -> None:
    """Refuse a .zip whose listing holds too many members, too many bytes or unsafe names.

    Raises:
        TooLarge: over ``limits`` (counted from the central directory, nothing inflated).
        UnreadableFile: for a member named with ``..``, an absolute path or a drive.
    """
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise TooLarge(
            f"{file_name}: the .zip holds {len(members)} members; at most "
            f"{limits.max_members} are read"
        )
    unzipped = sum(member.file_size for member in members)
    if unzipped > limits.max_unzipped_bytes:
        raise TooLarge(
            f"{file_name}: the .zip expands to {unzipped / 2**20:.0f} MB; at most "
            f"{limits.max_unzipped_bytes / 2**20:.0f} MB are read"
        )
    unsafe = [member.filename for member in members if _unsafe_name(member.filename)]
    if unsafe:
        raise UnreadableFile(f"{file_name}: unsafe member name {unsafe[0]!r} in the .zip")


def read_member(archive: zipfile.ZipFile, name: str, file_name: str, limit_bytes: int) -> bytes:
    """Return one member's bytes, refusing to inflate more than ``limit_bytes`` of it.

    Raises:
        TooLarge: when the member inflates past ``limit_bytes`` (its listed size lied).
    """
    with archive.open(name) as member:
        data = member.read(limit_bytes + 1)
    if len(data) > limit_bytes:
        raise TooLarge(f"{file_name}: {name} expands past {limit_bytes / 2**20:.0f} MB")
    return data
