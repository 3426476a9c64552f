"""Compressed files recognised by their first bytes, not by their name."""

from __future__ import annotations

import bz2
import gzip
import zlib
from pathlib import Path
from typing import IO

from django.conf import settings

from .records import UnreadableFile

GZIP_MAGIC = b"\x1f\x8b"
BZIP2_MAGIC = b"BZh"
CHUNK_BYTES = 1 << 20


def compression_of(path: Path) -> str:
    """ "gz", "bz2" or "" by the file's first bytes."""
    with open(path, "rb") as raw:
        head = raw.read(3)
    if head.startswith(GZIP_MAGIC):
        return "gz"
    if head.startswith(BZIP2_MAGIC):
        return "bz2"
    return ""


def open_binary(path: Path) -> IO[bytes]:
    compression = compression_of(path)
    if compression == "gz":
        return gzip.open(path, "rb")
    if compression == "bz2":
        return bz2.open(path, "rb")
    return open(path, "rb")


def open_text(path: Path, encoding: str = "utf-8", errors: str = "strict") -> IO[str]:
    compression = compression_of(path)
    if compression == "gz":
        return gzip.open(path, "rt", encoding=encoding, errors=errors, newline="")
    if compression == "bz2":
        return bz2.open(path, "rt", encoding=encoding, errors=errors, newline="")
    return open(path, encoding=encoding, errors=errors, newline="")


def check_decompressed_size(path: Path) -> None:
    """Refuses a compressed file that decompresses to more than
    IMPORT_MAX_DECOMPRESSED_BYTES, after reading at most that much and
    holding one chunk at a time: a few kilobytes of gzip can hold gigabytes
    (a "zip bomb"), which a reader holding its document whole would try to
    keep in memory."""
    if not compression_of(path):
        return
    limit = settings.IMPORT_MAX_DECOMPRESSED_BYTES
    read = 0
    try:
        with open_binary(path) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                read += len(chunk)
                if read > limit:
                    raise UnreadableFile(
                        f"{path}: decompresses to more than {limit / 1e6:g} MB, the most "
                        "Sightline imports (IMPORT_MAX_DECOMPRESSED_BYTES); split the file or "
                        "raise the setting"
                    )
    except (OSError, EOFError, zlib.error) as error:
        raise UnreadableFile(f"{path}: cannot be read ({error})") from None


def head_bytes(path: Path, size: int = 65536) -> bytes:
    """The first `size` bytes of the (decompressed) content."""
    try:
        with open_binary(path) as stream:
            return stream.read(size)
    except (OSError, EOFError) as error:
        raise UnreadableFile(f"{path}: cannot be read ({error})") from None
