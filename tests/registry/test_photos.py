"""Contributed photos: checked by content, stripped of all metadata, stored
under random names. Every image is made here, by Pillow (and pillow-heif)."""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, ImageFile, PngImagePlugin, TiffImagePlugin

from registry.photos import (
    PhotoPosition,
    delete_photo,
    photo_position,
    read_photo,
    store_photo,
)

RED, BLUE = (255, 0, 0), (0, 0, 255)
# 41°52'48"N 87°37'48"W, camera facing 123.5° from true north.
GPS = {
    1: "N",
    2: (41.0, 52.0, 48.0),
    3: "W",
    4: (87.0, 37.0, 48.0),
    16: "T",
    17: 123.5,
}
CHICAGO = PhotoPosition(41.88, -87.63, heading=123.5, heading_reference="T")
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
    b"<dc:creator>Alice Example</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
)
# An IPTC record (byline "Alice Example") in a Photoshop APP13 segment.
IPTC = b"\x1c\x02\x50\x00\x0dAlice Example"
IRB = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(IPTC)) + IPTC + b"\x00"
APP13 = b"Photoshop 3.0\x00" + IRB
SECRETS = (b"Alice Example", b"Exif", b"xmpmeta", b"Photoshop", b"8BIM", b"home of Alice")
ACCEPTED = "Send JPEG, PNG, WebP or HEIC."


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def exif_bytes(*, gps: dict | None = None, orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Acme Phones"  # Make
    exif[0x0110] = "Model X serial 1234"  # Model
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = gps
    return exif.tobytes()


def exif_of(gps: dict) -> Image.Exif:
    exif = Image.Exif()
    exif.load(exif_bytes(gps=gps))
    return exif


def half_red_half_blue(size=(300, 200)) -> Image.Image:
    """Red on the left half, blue on the right: shows any rotation."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def jpeg_with_everything() -> bytes:
    """A phone-like JPEG: EXIF with GPS, orientation 6 and device, XMP,
    IPTC in APP13, an ICC profile and a comment."""
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    app13 = b"\xff\xed" + struct.pack(">H", len(APP13) + 2) + APP13
    return encoded(
        half_red_half_blue(),
        "JPEG",
        exif=exif_bytes(gps=GPS, orientation=6),
        xmp=XMP,
        icc_profile=icc,
        comment=b"taken from the home of Alice",
        extra=app13,
        quality=95,
    )


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every segment of a JPEG, walking the file: the
    entropy-coded data after each SOS runs to the next marker that is not a
    stuffed 0xFF00 or a restart marker."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    segments, position = [(0xD8, b"")], 2
    while position < len(data):
        assert data[position] == 0xFF, f"no marker at {position}"
        marker = data[position + 1]
        if marker == 0xD9:
            segments.append((marker, b""))
            assert position + 2 == len(data), "bytes after EOI"
            return segments
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        segments.append((marker, data[position + 4 : position + 2 + length]))
        position += 2 + length
        if marker == 0xDA:
            while not (
                data[position] == 0xFF and data[position + 1] not in (0x00, *range(0xD0, 0xD8))
            ):
                position += 1
    raise AssertionError("no EOI")


# SOI, APP0 (JFIF), DQT, SOF0/SOF2, DHT, DRI, SOS, EOI.
ALLOWED_MARKERS = {0xD8, 0xE0, 0xDB, 0xC0, 0xC2, 0xC4, 0xDD, 0xDA, 0xD9}


def assert_bare_jpeg(data: bytes) -> None:
    segments = jpeg_segments(data)
    markers = {marker for marker, _ in segments}
    assert markers <= ALLOWED_MARKERS, sorted(hex(m) for m in markers - ALLOWED_MARKERS)
    assert [payload[:5] for marker, payload in segments if marker == 0xE0] == [b"JFIF\x00"]
    assert not any(secret in data for secret in SECRETS)
    image = Image.open(io.BytesIO(data))
    assert not image.getexif()
    assert not {"exif", "icc_profile", "xmp", "comment", "photoshop"} & set(image.info)


def png_bomb(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header claims the given size."""
    data = bytearray(encoded(Image.new("1", (1, 1)), "PNG"))
    ihdr = data[12:16] + struct.pack(">II", width, height) + data[24:29]
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


def refusal(data: bytes, **limits) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        read_photo(upload(data), **limits)
    return caught.value


def photo_message(error: ValidationError) -> str:
    (message,) = error.message_dict["photo"]
    return message


def photo_code(error: ValidationError) -> str:
    (inner,) = error.error_dict["photo"]
    return inner.code


# --- what is kept and what is thrown away ---------------------------------


def test_the_stored_jpeg_has_no_metadata_segments_at_all():
    source = jpeg_with_everything()
    markers = {marker for marker, _ in jpeg_segments(source)}
    assert {0xE1, 0xE2, 0xED, 0xFE} <= markers  # the test file does carry them

    stored = store_photo(read_photo(upload(source)))

    with default_storage.open(stored.name) as file:
        assert_bare_jpeg(file.read())
    with default_storage.open(stored.thumbnail_name) as file:
        assert_bare_jpeg(file.read())


def test_gps_position_and_heading_are_read_before_the_metadata_goes():
    photo = read_photo(upload(jpeg_with_everything()))

    assert photo.gps == CHICAGO


def test_the_orientation_is_applied():
    photo = read_photo(upload(jpeg_with_everything()))

    # Orientation 6: stored sideways, the left (red) edge is the top.
    image = Image.open(io.BytesIO(photo.image))
    assert (photo.width, photo.height) == image.size == (200, 300)
    assert image.getpixel((100, 20))[0] > 200
    assert image.getpixel((100, 280))[2] > 200


def test_a_photo_without_gps_offers_no_position():
    photo = read_photo(upload(encoded(half_red_half_blue(), "JPEG", exif=exif_bytes())))

    assert photo.gps is None


def test_png_text_chunks_and_exif_are_stripped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Alice Example")
    info.add_text("Comment", "home of Alice", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    source = encoded(half_red_half_blue(), "PNG", pnginfo=info, exif=exif_bytes(gps=GPS))

    photo = read_photo(upload(source, "photo.png"))

    assert photo.content_type == "image/jpeg"
    assert photo.gps == CHICAGO
    assert_bare_jpeg(photo.image)


def test_webp_metadata_is_stripped():
    source = encoded(half_red_half_blue(), "WEBP", exif=exif_bytes(gps=GPS), xmp=XMP)

    photo = read_photo(upload(source, "photo.webp"))

    assert photo.gps == CHICAGO
    assert_bare_jpeg(photo.image)


def test_heic_from_a_phone_is_decoded_rotated_and_stripped():
    # pillow-heif's wheel encodes HEIC (x265), so the test makes a real one.
    source = encoded(half_red_half_blue(), "HEIF", exif=exif_bytes(gps=GPS, orientation=6))
    assert source[4:12] == b"ftypheic"

    photo = read_photo(upload(source, "IMG_0001.HEIC"))

    assert photo.gps == CHICAGO
    assert (photo.width, photo.height) == (200, 300)
    image = Image.open(io.BytesIO(photo.image))
    assert image.getpixel((100, 20))[0] > 200
    assert_bare_jpeg(photo.image)


def test_a_multi_picture_jpeg_is_a_jpeg():
    source = encoded(
        half_red_half_blue(), "MPO", save_all=True, append_images=[Image.new("RGB", (30, 20))]
    )

    photo = read_photo(upload(source))

    assert (photo.width, photo.height) == (300, 200)
    assert_bare_jpeg(photo.image)


def test_transparency_is_flattened_onto_white():
    image = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (20, 0, 40, 20))

    photo = read_photo(upload(encoded(image, "PNG"), "photo.png"))

    result = Image.open(io.BytesIO(photo.image))
    assert result.mode == "RGB"
    assert min(result.getpixel((5, 10))) > 245
    assert result.getpixel((35, 10))[0] > 240


def test_cmyk_and_16_bit_images_become_rgb_with_their_tones():
    grey = Image.new("I;16", (20, 20), 32768)
    cmyk = Image.new("CMYK", (20, 20), (0, 255, 255, 0))

    from_png = Image.open(io.BytesIO(read_photo(upload(encoded(grey, "PNG"))).image))
    from_cmyk = Image.open(io.BytesIO(read_photo(upload(encoded(cmyk, "JPEG"))).image))

    assert 120 < from_png.getpixel((10, 10))[0] < 136
    assert from_cmyk.mode == "RGB"
    assert from_cmyk.getpixel((10, 10))[0] > 200


def test_large_photos_are_scaled_and_thumbnailed_within_their_edges(settings):
    settings.PHOTO_MAX_EDGE = 240
    settings.PHOTO_THUMBNAIL_EDGE = 60

    photo = read_photo(upload(encoded(half_red_half_blue((900, 300)), "JPEG")))

    assert Image.open(io.BytesIO(photo.image)).size == (photo.width, photo.height) == (240, 80)
    assert Image.open(io.BytesIO(photo.thumbnail)).size == (60, 20)


def test_damaged_exif_does_not_refuse_the_photo():
    app1 = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff\x01\x12"
    extra = b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
    source = encoded(half_red_half_blue(), "JPEG", extra=extra)

    photo = read_photo(upload(source))

    assert photo.gps is None
    assert_bare_jpeg(photo.image)


# --- storage ----------------------------------------------------------------


def test_stored_names_are_random_and_never_the_uploaded_name(media_root):
    source = upload(jpeg_with_everything(), "alice-at-home-12-elm-street.jpg")
    photo = read_photo(source)

    first, second = store_photo(photo), store_photo(photo)

    pattern = r"photos/\d{4}/\d{2}/([0-9a-f]{32})(-thumb)?\.jpg"
    for name in (first.name, first.thumbnail_name, second.name, second.thumbnail_name):
        assert re.fullmatch(pattern, name)
    assert first.thumbnail_name == first.name.replace(".jpg", "-thumb.jpg")
    assert first.name != second.name
    stored = {path.name for path in media_root.rglob("*.jpg")}
    assert len(stored) == 4 and not any("alice" in name for name in stored)


def test_the_stored_bytes_are_the_processed_ones():
    photo = read_photo(upload(jpeg_with_everything()))

    stored = store_photo(photo)

    with default_storage.open(stored.name) as file:
        data = file.read()
    assert data == photo.image
    assert photo.sha256 == hashlib.sha256(data).hexdigest()


def test_a_failed_thumbnail_write_leaves_nothing_behind(media_root):
    class FailingSecondSave(type(default_storage._wrapped)):
        saves = 0

        def _save(self, name, content):
            FailingSecondSave.saves += 1
            if FailingSecondSave.saves == 2:
                raise OSError("disk full")
            return super()._save(name, content)

    photo = read_photo(upload(jpeg_with_everything()))

    with pytest.raises(OSError):
        store_photo(photo, storage=FailingSecondSave(location=media_root))

    assert not [path for path in media_root.rglob("*") if path.is_file()]


def test_delete_photo_removes_both_files(media_root):
    stored = store_photo(read_photo(upload(jpeg_with_everything())))

    delete_photo(stored)

    assert not [path for path in media_root.rglob("*") if path.is_file()]


# --- refusals ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"Dear council,\nthese cameras are new.\n", "text"),
        (
            b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
            b'height="10"><script>alert(1)</script></svg>',
            "SVG",
        ),
        (encoded(Image.new("RGB", (4, 4)), "GIF"), "GIF"),
        (encoded(Image.new("RGB", (4, 4)), "TIFF"), "TIFF"),
        (encoded(Image.new("RGB", (4, 4)), "BMP"), "BMP"),
        (encoded(Image.new("RGB", (4, 4)), "PDF"), "PDF"),
    ],
    ids=["text", "svg", "gif", "tiff", "bmp", "pdf"],
)
def test_files_that_are_not_accepted_images_are_refused_by_content(data, named):
    error = refusal(data)

    assert photo_message(error) == (
        f"The file is not an image Sightline accepts: it is {named}. {ACCEPTED}"
    )
    assert photo_code(error) == "unsupported_format"


def test_unrecognisable_bytes_are_refused():
    error = refusal(bytes(range(256)) * 4)

    assert photo_message(error) == f"The file is not an image Sightline accepts. {ACCEPTED}"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_images_are_refused(fmt):
    data = encoded(Image.effect_noise((200, 200), 60).convert("RGB"), fmt)

    error = refusal(data[: len(data) // 2])

    assert photo_message(error) == "The image is truncated or damaged."
    assert photo_code(error) == "damaged"


def test_an_empty_file_is_refused():
    assert photo_message(refusal(b"")) == "The file is empty."


@pytest.fixture
def no_decoding(monkeypatch):
    """Fails the test if any pixel is decoded."""

    def load(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)


def test_a_20000_by_20000_bomb_is_refused_from_its_header(no_decoding):
    data = png_bomb(20_000, 20_000)
    assert len(data) < 100

    error = refusal(data)

    # Pillow's own guard (twice the limit) stops it while reading the header.
    assert photo_message(error) == (
        "The image has more than 80 megapixels; the limit is 40 megapixels."
    )
    assert photo_code(error) == "too_many_pixels"


def test_an_image_over_the_pixel_limit_is_refused_before_decoding(no_decoding):
    error = refusal(png_bomb(7000, 7000))

    assert photo_message(error) == "The image is 7000×7000 pixels; the limit is 40 megapixels."


def test_the_pixel_limit_is_a_parameter(no_decoding):
    error = refusal(encoded(Image.new("RGB", (200, 100)), "PNG"), max_pixels=10_000)

    assert photo_message(error) == "The image is 200×100 pixels; the limit is 0.01 megapixels."


def test_an_oversized_file_is_refused_by_its_declared_size_unread():
    class Declared(io.BytesIO):
        size = 12_500_000

        def read(self, *args):
            raise AssertionError("read")

    with pytest.raises(ValidationError) as caught:
        read_photo(Declared())

    assert photo_message(caught.value) == "The file is 12.5 MB; the limit is 10 MB."
    assert photo_code(caught.value) == "too_large"


def test_an_oversized_stream_is_read_only_one_byte_past_the_limit(no_decoding):
    class Stream(io.BytesIO):
        largest_read = 0

        def read(self, size=-1):
            Stream.largest_read = max(Stream.largest_read, size)
            return super().read(size)

    with pytest.raises(ValidationError) as caught:
        read_photo(Stream(b"\xff\xd8" + bytes(5000)), max_bytes=1000)

    assert photo_message(caught.value) == "The file is larger than the limit of 0.001 MB."
    assert Stream.largest_read == 1001


# --- reading GPS --------------------------------------------------------------


def test_southern_and_eastern_coordinates_are_negative_and_positive():
    position = photo_position(
        exif_of({1: "S", 2: (33.0, 52.0, 4.0), 3: "E", 4: (151.0, 12.0, 36.0)})
    )

    assert position == PhotoPosition(-33.8677778, 151.21)


def test_a_magnetic_heading_says_so_and_360_is_north():
    position = photo_position(exif_of({**GPS, 16: "M", 17: 360.0}))

    assert (position.heading, position.heading_reference) == (0.0, "M")


@pytest.mark.parametrize(
    "gps",
    [
        {},
        {**GPS, 1: ""},  # no hemisphere: the sign is unknown
        {**GPS, 2: (95.0, 0.0, 0.0)},
        {**GPS, 4: (180.0, 30.0, 0.0)},
        {**GPS, 2: (41.0, 75.0, 0.0)},
        {**GPS, 2: (0.0, 0.0, 0.0), 4: (0.0, 0.0, 0.0)},  # written without a fix
        {**GPS, 9: "V"},  # GPSStatus: measurement void
        {**GPS, 2: (TiffImagePlugin.IFDRational(41, 0), 0.0, 0.0)},
    ],
    ids=["none", "no-ref", "lat-95", "lon-180.5", "minutes-75", "null-island", "void", "x/0"],
)
def test_invalid_positions_are_not_offered(gps):
    assert photo_position(exif_of(gps)) is None


@pytest.mark.parametrize("heading", [TiffImagePlugin.IFDRational(7, 0), 400.0])
def test_an_invalid_heading_keeps_the_position(heading):
    position = photo_position(exif_of({**GPS, 17: heading}))

    assert position == PhotoPosition(41.88, -87.63)
