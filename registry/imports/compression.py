"""Compressed files recognised by their first bytes, not by their name."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path
from typing import IO

from .records import UnreadableFile

GZIP_MAGIC = b"\x1f\x8b"
BZIP2_MAGIC = b"BZh"


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


def head_bytes(path: Path, size: int = 65536) -> bytes:
    """The first `size` bytes of the (decompressed) content."""
    try:
        with open_binary(path) as stream:
            return stream.read(size)
    except (OSError, EOFError) as error:
        raise UnreadableFile(f"{path}: cannot be read ({error})") from None
