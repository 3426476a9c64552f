"""Contributed photos: checked, cleaned of every trace of metadata, stored.

A photo of a camera is evidence, but the file a phone sends says far more
than the picture: where and when it was taken (GPS, timestamps), with which
device (maker notes, serial numbers), by whom (XMP and IPTC authorship,
comments). Sightline keeps none of it. What it does, in order:

1. **Size.** A file over ``PHOTO_MAX_BYTES`` is refused before it is read
   whole: the declared size first, then by reading at most one byte past
   the limit.
2. **Format, from the content.** Only the JPEG, PNG, WebP and HEIF/HEIC
   decoders are ever asked to open the file (``Image.open(formats=...)``);
   its name and declared content type are ignored. GIF, TIFF, PDF, SVG,
   text and anything else is refused with a message naming what it
   appears to be and the accepted formats. Multi-picture JPEGs (MPO, what
   many phones write) count as JPEG; of animated or multi-image files only
   the first or primary picture is kept.
3. **Decompression bombs.** Opening reads only the header, so width and
   height are checked against ``PHOTO_MAX_PIXELS`` before a single pixel is
   decoded. ``Image.MAX_IMAGE_PIXELS`` is set to the same limit, so
   Pillow's own guard refuses anything over twice the limit while opening;
   both give the same kind of error.
4. **Decoding, in full.** Truncated or damaged files fail here
   (``ImageFile.LOAD_TRUNCATED_IMAGES`` stays off), with one message.
5. **GPS, offered, then forgotten.** If the photo's EXIF carries a position
   (GPS IFD: latitude, longitude and their N/S/E/W references) and a
   compass heading (``GPSImgDirection``, true or magnetic north), they are
   returned as ``ProcessedPhoto.gps`` so that a form can offer them to the
   contributor, and the stored photo carries the position in memory so
   that moderators are warned of a photo taken far from the reported
   place (only the distance is kept). Nothing else of the metadata is
   read. Out-of-range values, a "void" fix and the 0/0 that devices write
   without a fix count as no position.
6. **Orientation, then a fresh image.** The EXIF orientation is applied,
   colours are converted to sRGB when the file has an ICC profile, and only
   the pixels are copied into a new image, which has no metadata to leak.
7. **Re-encoding.** Always a progressive JPEG (``PHOTO_JPEG_QUALITY``),
   long edge at most ``PHOTO_MAX_EDGE``, with a thumbnail of at most
   ``PHOTO_THUMBNAIL_EDGE``. The files hold only the
   JFIF header and the image data: no EXIF, XMP, IPTC/APP13, ICC profile or
   comment. Transparency is flattened onto white: these are photographs,
   and one output format keeps serving and checking them simple.

``store_photo`` then writes both files through Django's storage API
(``STORAGES["default"]``, the local disk under ``MEDIA_ROOT`` unless
configured otherwise, e.g. object storage), under random names: an
uploaded file's name can itself identify a person, so it is never used.

Every refusal is a ``ValidationError`` on the field ``photo`` with a
message for the contributor and a ``code`` for clients.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import secrets
import warnings
from dataclasses import dataclass
from math import isfinite
from typing import IO

import pillow_heif
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.utils import timezone
from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

pillow_heif.register_heif_opener()

# Pillow's own guard warns above this and refuses at twice this, process-wide.
Image.MAX_IMAGE_PIXELS = settings.PHOTO_MAX_PIXELS
# A truncated file is an error, never an image padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False

# The Pillow decoders allowed to read an upload ("MPO" is how Pillow names a
# multi-picture JPEG once opened).
DECODERS = ("JPEG", "PNG", "WEBP", "HEIF")
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "HEIF"}
ACCEPTED_NAMES = "JPEG, PNG, WebP or HEIC"
CONTENT_TYPE = "image/jpeg"
EXTENSION = "jpg"

GPS_IFD = 0x8825
ORIENTATION = 0x0112
# Errors Pillow's decoders raise on a damaged file.
DECODING_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)


@dataclass(frozen=True)
class PhotoPosition:
    """Where the photo says it was taken, and which way the lens pointed:
    heading in degrees clockwise from north (0 <= heading < 360), relative
    to true north (``heading_reference`` "T") or magnetic north ("M"), or
    None when unknown."""

    latitude: float
    longitude: float
    heading: float | None = None
    heading_reference: str | None = None


@dataclass(frozen=True)
class ProcessedPhoto:
    image: bytes
    thumbnail: bytes
    width: int
    height: int
    content_type: str
    gps: PhotoPosition | None
    sha256: str  # of ``image``, the bytes that are stored


@dataclass(frozen=True)
class StoredPhoto:
    name: str
    thumbnail_name: str
    # Where the photo says it was taken, (latitude, longitude), held in
    # memory for the plausibility warnings only: never stored.
    position: tuple[float, float] | None = None


def read_photo(
    upload: IO[bytes],
    *,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
) -> ProcessedPhoto:
    """Check, decode and clean an uploaded photo; raises ValidationError.

    The limits default to the settings. A ``max_pixels`` above twice
    PHOTO_MAX_PIXELS has no effect: Pillow's guard refuses those images first.
    """
    max_bytes = settings.PHOTO_MAX_BYTES if max_bytes is None else max_bytes
    max_pixels = settings.PHOTO_MAX_PIXELS if max_pixels is None else max_pixels
    data = _read_limited(upload, max_bytes)
    img = _open(data, max_pixels)
    exif = _exif(img)
    gps = photo_position(exif)
    clean = _clean_pixels(_decode(img), exif)
    image = _encode(clean, settings.PHOTO_MAX_EDGE)
    return ProcessedPhoto(
        image=image,
        thumbnail=_encode(clean, settings.PHOTO_THUMBNAIL_EDGE),
        width=clean.width,
        height=clean.height,
        content_type=CONTENT_TYPE,
        gps=gps,
        sha256=hashlib.sha256(image).hexdigest(),
    )


def store_photo(processed: ProcessedPhoto, *, storage: Storage | None = None) -> StoredPhoto:
    """Save a processed photo and its thumbnail under fresh random names."""
    storage = storage or default_storage
    stem = f"photos/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"
    name = storage.save(f"{stem}.{EXTENSION}", ContentFile(processed.image))
    try:
        thumbnail_name = storage.save(
            f"{stem}-thumb.{EXTENSION}", ContentFile(processed.thumbnail)
        )
    except Exception:
        # Never leave half a photo behind.
        storage.delete(name)
        raise
    gps = processed.gps
    position = (gps.latitude, gps.longitude) if gps is not None else None
    return StoredPhoto(name=name, thumbnail_name=thumbnail_name, position=position)


def delete_photo(stored: StoredPhoto, *, storage: Storage | None = None) -> None:
    """Remove both files, e.g. when the write that was to use them fails."""
    storage = storage or default_storage
    storage.delete(stored.name)
    storage.delete(stored.thumbnail_name)


def photo_position(exif: Image.Exif | None) -> PhotoPosition | None:
    """The GPS position and compass heading in EXIF, if valid."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns of corrupt EXIF
            gps = exif.get_ifd(GPS_IFD) if exif is not None else {}
    except Exception:
        # Damaged metadata is thrown away anyway; it must not refuse the photo.
        return None
    if not gps or _text(gps.get(9)) == "V":  # GPSStatus "V": measurement void
        return None
    latitude = _coordinate(gps.get(2), gps.get(1), {"N": 1, "S": -1}, 90)
    longitude = _coordinate(gps.get(4), gps.get(3), {"E": 1, "W": -1}, 180)
    if latitude is None or longitude is None or latitude == longitude == 0:
        return None
    heading = _number(gps.get(17))
    if heading is None or not 0 <= heading <= 360:
        return PhotoPosition(latitude, longitude)
    reference = _text(gps.get(16))
    return PhotoPosition(
        latitude,
        longitude,
        heading=round(heading % 360, 2),
        heading_reference=reference if reference in {"T", "M"} else None,
    )


def _photo_error(message: str, code: str) -> ValidationError:
    return ValidationError({"photo": ValidationError(message, code=code)})


def _megabytes(size: int) -> str:
    megabytes = size / 1_000_000
    return (f"{megabytes:.3g}" if megabytes < 1000 else f"{megabytes:.0f}") + " MB"


def _too_large(size: int | None, max_bytes: int) -> ValidationError:
    limit = _megabytes(max_bytes)
    if size is None or _megabytes(size) == limit:
        return _photo_error(f"The file is larger than the limit of {limit}.", "too_large")
    return _photo_error(f"The file is {_megabytes(size)}; the limit is {limit}.", "too_large")


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g} megapixels"


def _read_limited(upload: IO[bytes], max_bytes: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _too_large(size, max_bytes)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        # The declared size was missing or wrong; how much more there is
        # stays unread.
        raise _too_large(None, max_bytes)
    if not data:
        raise _photo_error("The file is empty.", "empty")
    return data


def _open(data: bytes, max_pixels: int) -> ImageFile.ImageFile:
    try:
        with warnings.catch_warnings():
            # Pillow warns of corrupt EXIF (thrown away anyway) and of images
            # between its pixel limit and twice it, which the check below
            # refuses with a clearer message.
            warnings.simplefilter("ignore")
            img = Image.open(io.BytesIO(data), formats=DECODERS)
    except Image.DecompressionBombError:
        raise _photo_error(
            f"The image has more than {_megapixels(2 * Image.MAX_IMAGE_PIXELS)}; "
            f"the limit is {_megapixels(max_pixels)}.",
            "too_many_pixels",
        ) from None
    except UnidentifiedImageError:
        raise _not_accepted(data) from None
    except DECODING_ERRORS:
        raise _photo_error("The image is truncated or damaged.", "damaged") from None
    if img.format not in ACCEPTED_FORMATS:
        raise _not_accepted(data)
    width, height = img.size
    if width * height > max_pixels:
        raise _photo_error(
            f"The image is {width}×{height} pixels; the limit is {_megapixels(max_pixels)}.",
            "too_many_pixels",
        )
    return img


def _not_accepted(data: bytes) -> ValidationError:
    kind = _sniff(data)
    it_is = f": it is {kind}" if kind else ""
    return _photo_error(
        f"The file is not an image Sightline accepts{it_is}. Send {ACCEPTED_NAMES}.",
        "unsupported_format",
    )


# Leading bytes of formats people send that Sightline refuses, only to name
# them in the error message; nothing is decoded.
SIGNATURES = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"BM", "BMP"),
    (b"\x00\x00\x01\x00", "an icon"),
    (b"8BPS", "a Photoshop document"),
    (b"PK\x03\x04", "a ZIP archive"),
)


def _sniff(data: bytes) -> str | None:
    head = data[:1024]
    for signature, name in SIGNATURES:
        if head.startswith(signature):
            return name
    if head[4:8] == b"ftyp" and head[8:12] in {b"avif", b"avis"}:
        return "AVIF"
    if head[4:8] == b"ftyp":
        return "a video or another ISO media file"
    try:
        # Incremental, so that a character cut at 1024 bytes is not an error.
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    if "\x00" in text or not text.strip():
        return None
    lowered = text.lower()
    if "<svg" in lowered:
        return "SVG"
    if "<html" in lowered or "<!doctype html" in lowered:
        return "HTML"
    return "text"


def _exif(img: Image.Image) -> Image.Exif | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns of corrupt EXIF
            return img.getexif()
    except Exception:
        # Damaged metadata is thrown away anyway; it must not refuse the photo.
        return None


def _decode(img: ImageFile.ImageFile) -> Image.Image:
    # A JPEG can be decoded at a reduced scale, at least PHOTO_MAX_EDGE on
    # its long side; decoding a 40-megapixel photo in full would take ~120 MB.
    edge = settings.PHOTO_MAX_EDGE
    img.draft("RGB", (edge, edge))
    try:
        img.load()
    except DECODING_ERRORS:
        raise _photo_error("The image is truncated or damaged.", "damaged") from None
    # Scaling into a square box commutes with the rotations of step 6, so the
    # photo is made small before it is copied around.
    img.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    return img


TRANSPOSITIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _clean_pixels(img: Image.Image, exif: Image.Exif | None) -> Image.Image:
    """A new RGB image holding only the pixels, upright and in sRGB."""
    orientation = exif.get(ORIENTATION) if exif is not None else None
    if orientation in TRANSPOSITIONS:
        img = img.transpose(TRANSPOSITIONS[orientation])
    rgb = _to_srgb(img)
    clean = Image.new("RGB", rgb.size, "white")
    if rgb.mode == "RGBA":
        clean.paste(rgb, mask=rgb.getchannel("A"))
    else:
        clean.paste(rgb)
    return clean


def _to_srgb(img: Image.Image) -> Image.Image:
    """RGB or RGBA pixels, colour-managed to sRGB when the file had a profile."""
    if img.mode.startswith("I"):
        # 16-bit greyscale PNG: scale, not clip, to 8 bits.
        img = img.convert("I").point(lambda value: value / 256).convert("L")
    has_alpha = img.mode in {"RGBA", "LA", "PA", "La", "RGBa"} or "transparency" in img.info
    target = "RGBA" if has_alpha else "RGB"
    icc = img.info.get("icc_profile")
    if icc and img.mode in {"RGB", "RGBA", "L", "CMYK"}:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            srgb = ImageCms.createProfile("sRGB")
            output = "RGBA" if img.mode == "RGBA" else "RGB"
            return ImageCms.profileToProfile(img, source, srgb, outputMode=output)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # an unusable profile: keep the colours as they are
    return img.convert(target)


def _encode(img: Image.Image, edge: int) -> bytes:
    if max(img.size) > edge:
        img = img.copy()
        img.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    img.save(
        buffer,
        "JPEG",
        quality=settings.PHOTO_JPEG_QUALITY,
        optimize=True,
        progressive=True,
    )
    return buffer.getvalue()


def _coordinate(value, reference, signs: dict[str, int], limit: float) -> float | None:
    sign = signs.get(_text(reference) or "")
    if sign is None or not isinstance(value, tuple | list) or len(value) != 3:
        return None
    parts = [_number(part) for part in value]
    if any(part is None or part < 0 for part in parts):
        return None
    degrees, minutes, seconds = parts
    if minutes >= 60 or seconds >= 60:
        return None
    result = degrees + minutes / 60 + seconds / 3600
    return round(sign * result, 7) if result <= limit else None


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if isfinite(number) else None


def _text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    return value.strip("\x00 ").upper() if isinstance(value, str) else None


def remake_thumbnail(evidence, *, storage: Storage | None = None) -> bool:
    """A new thumbnail for a stored photo, at today's PHOTO_THUMBNAIL_EDGE;
    the old thumbnail file is deleted once the new one is saved."""
    storage = storage or default_storage
    with storage.open(evidence.document.name) as stored:
        img = Image.open(stored, formats=["JPEG"])
        img.load()
    stem = evidence.document.name.rsplit(".", 1)[0]
    name = storage.save(
        f"{stem}-thumb.{EXTENSION}", ContentFile(_encode(img, settings.PHOTO_THUMBNAIL_EDGE))
    )
    old = evidence.thumbnail.name
    evidence.thumbnail = name
    evidence.save(update_fields=["thumbnail"])
    if old and old != name:
        storage.delete(old)
    return True
