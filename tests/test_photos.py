"""Photos from the public: only the pixels survive, and only an image of an accepted kind and size
is decoded at all (no database)."""

from __future__ import annotations

import hashlib
import io
import random
import resource
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from mingjing.lib.photos import PhotoRefused, clean_photo, sniff

ROOT = Path(__file__).resolve().parent.parent

ORIENTATION = 0x0112
GPS_IFD = 0x8825
RED, BLUE = (220, 20, 20), (20, 20, 220)


# -- making test files -----------------------------------------------------------------------------


def encode(im: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    out = io.BytesIO()
    im.save(out, format=fmt, **params)
    return out.getvalue()


def red_left_blue_right(width: int = 40, height: int = 20) -> Image.Image:
    im = Image.new("RGB", (width, height), BLUE)
    im.paste(RED, (0, 0, width // 2, height))
    return im


def noise(width: int, height: int, seed: int = 1) -> Image.Image:
    """Random pixels: a JPEG of them is big enough that cutting it loses real image data."""
    return Image.frombytes("RGB", (width, height), random.Random(seed).randbytes(width * height * 3))


def phone_photo() -> bytes:
    """A JPEG as a phone writes it: EXIF with GPS position, camera and orientation 6 (held upright,
    stored sideways), XMP, a comment and an ICC profile."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "SyntheticCam"  # Make
    exif[0x0110] = "Model X1"  # Model
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (30.0, 15.0, 27.5)  # latitude 30°15'27.5"
    gps[3] = "E"
    gps[4] = (120.0, 9.0, 44.0)  # longitude 120°09'44"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>30,15.46N</exif:GPSLatitude></x:xmpmeta>'
    return encode(red_left_blue_right(), exif=exif, xmp=xmp, comment=b"taken at home, Zhang San", icc_profile=icc)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header claims width × height RGB pixels; its pixel data is
    one compressed row, so decoding it could only fail (or allocate the whole claimed picture)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" + b"\x00" * 3 * min(width, 16))
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def jpeg_markers(data: bytes) -> list[int]:
    """The segment markers of a JPEG up to the start of the scan (where metadata would be)."""
    assert data[:2] == b"\xff\xd8"
    markers, pos = [], 2
    while pos < len(data):
        assert data[pos] == 0xFF, f"no marker at {pos}"
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    return markers


def rgb_at(data: bytes, xy: tuple[int, int]) -> tuple[int, ...]:
    pixel = Image.open(io.BytesIO(data)).convert("RGB").getpixel(xy)
    assert isinstance(pixel, tuple)
    return pixel


def refusal(data: bytes | io.BytesIO, **limits: int) -> PhotoRefused:
    with pytest.raises(PhotoRefused) as caught:
        clean_photo(data, **limits)
    return caught.value


# -- metadata and orientation ----------------------------------------------------------------------


def test_the_gps_position_and_every_other_piece_of_metadata_are_removed() -> None:
    source = phone_photo()
    before = Image.open(io.BytesIO(source))
    assert before.getexif().get_ifd(GPS_IFD)[2] == (30.0, 15.0, 27.5)  # the fixture really has GPS
    assert {"exif", "xmp", "comment", "icc_profile"} <= set(before.info)

    photo = clean_photo(source)

    after = Image.open(io.BytesIO(photo.data))
    assert len(after.getexif()) == 0
    assert after.getexif().get_ifd(GPS_IFD) == {}
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(after.info)
    for trace in (b"Exif", b"GPS", b"SyntheticCam", b"Model X1", b"xmpmeta", b"Zhang San", b"ns.adobe.com"):
        assert trace not in photo.data, trace
    # Only the JFIF header and what decoding needs: no APP1 (EXIF/XMP), APP2 (ICC), COM.
    assert set(jpeg_markers(photo.data)) <= {0xE0, 0xDB, 0xC0, 0xC4, 0xDD, 0xDA}


def test_the_exif_orientation_is_applied_before_it_is_stripped() -> None:
    photo = clean_photo(phone_photo())

    assert (photo.width, photo.height) == (20, 40)
    assert Image.open(io.BytesIO(photo.data)).size == (20, 40)
    # Orientation 6: turn 90° clockwise to view, so the stored left half (red) ends up on top.
    top, bottom = rgb_at(photo.data, (10, 5)), rgb_at(photo.data, (10, 35))
    assert top[0] > 180 and top[2] < 80
    assert bottom[2] > 180 and bottom[0] < 80


def test_a_photo_without_exif_keeps_its_shape() -> None:
    photo = clean_photo(encode(red_left_blue_right()))
    assert (photo.width, photo.height) == (40, 20)


# -- formats -----------------------------------------------------------------------------------------


def test_a_png_with_transparency_comes_out_as_an_opaque_jpeg_on_white() -> None:
    im = Image.new("RGBA", (30, 30), (0, 0, 0, 0))
    im.paste((0, 0, 0, 255), (10, 10, 20, 20))

    photo = clean_photo(encode(im, "PNG"))

    assert (photo.content_type, photo.extension, photo.original_type) == ("image/jpeg", ".jpg", "png")
    assert photo.data.startswith(b"\xff\xd8\xff")
    out = Image.open(io.BytesIO(photo.data))
    assert out.format == "JPEG" and out.mode == "RGB"
    assert all(channel > 245 for channel in rgb_at(photo.data, (2, 2)))
    assert all(channel < 10 for channel in rgb_at(photo.data, (15, 15)))


def test_an_animated_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (16, 16), RED), Image.new("RGB", (16, 16), BLUE)]
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)

    photo = clean_photo(gif)

    assert photo.original_type == "gif"
    pixel = rgb_at(photo.data, (8, 8))
    assert pixel[0] > 180 and pixel[2] < 80


def test_a_webp_is_accepted_and_re_encoded_as_jpeg() -> None:
    photo = clean_photo(encode(red_left_blue_right(), "WEBP"))
    assert photo.original_type == "webp"
    assert Image.open(io.BytesIO(photo.data)).format == "JPEG"


def test_a_16_bit_grey_png_is_scaled_not_clipped_to_white() -> None:
    photo = clean_photo(encode(Image.new("I;16", (8, 8), 32768), "PNG"))
    pixel = Image.open(io.BytesIO(photo.data)).convert("L").getpixel((4, 4))
    assert isinstance(pixel, int) and 118 <= pixel <= 138


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", "png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
        (b"GIF89a\x10\x00\x10\x00", "gif"),
        (b"GIF87a\x10\x00\x10\x00", "gif"),
        (b"%PDF-1.7\n", None),
        (b"BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (b"", None),
    ],
)
def test_sniff_goes_by_the_first_bytes_only(head: bytes, kind: str | None) -> None:
    assert sniff(head) == kind


# -- refusals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "zh", "en"),
    [
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "PDF 文档", "a PDF document"),
        (b"<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>", "HTML 网页", "an HTML page"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "SVG 矢量图", "an SVG drawing"),
        (b"", "空文件", "an empty file"),
        ("村里的路灯坏了三个月没人修。\n".encode(), "文本文件", "a text file"),
        ("村里的路灯坏了三个月没人修。\n".encode("gbk"), "文本文件", "a text file"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(64), "Windows 程序", "a Windows program"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(32), "压缩包或 Office 文档", "a ZIP archive or Office document"),
    ],
    ids=["pdf", "html", "svg", "empty", "text", "gbk-text", "exe", "zip"],
)
def test_a_file_named_jpg_that_is_not_an_image_is_refused_naming_what_it_is(
    data: bytes, zh: str, en: str
) -> None:
    # No name is ever passed: "photo.jpg" or "image/jpeg" from the browser would change nothing.
    refused = refusal(data)

    assert refused.zh == f"文件不是图片（检测到：{zh}）"
    assert refused.en == f"not an image (found: {en})"
    assert str(refused) == f"{refused.zh} / {refused.en}"


def test_an_iphone_heic_photo_is_refused_as_an_image_format_not_accepted() -> None:
    heic = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00mif1heic" + bytes(64)

    refused = refusal(heic)

    assert "HEIC 照片" in refused.zh and "JPEG、PNG、WebP 或 GIF" in refused.zh
    assert "a HEIC photo" in refused.en and "not accepted" in refused.en


def test_a_bmp_image_is_refused_though_pillow_could_read_it() -> None:
    refused = refusal(encode(Image.new("RGB", (8, 8)), "BMP"))
    assert "BMP 图片" in refused.zh and "a BMP image" in refused.en


def test_a_file_over_the_size_limit_is_refused_before_anything_is_decoded() -> None:
    # A JPEG start and then junk: decoding it would fail as damaged, so only the size check can
    # give this message.
    junk = b"\xff\xd8\xff\xe0" + b"\x00" * (3 * 1024 * 1024)

    refused = refusal(junk, max_bytes=1024 * 1024)

    assert refused.zh == "照片太大（3 MB，上限 1 MB）"
    assert refused.en == "the photo is too large (3 MB, limit 1 MB)"


def test_a_file_object_is_read_no_further_than_the_size_limit() -> None:
    upload = io.BytesIO(b"\xff\xd8\xff\xe0" + b"\x00" * (3 * 1024 * 1024))

    refused = refusal(upload, max_bytes=1024 * 1024)

    assert "上限 1 MB" in refused.zh and "limit 1 MB" in refused.en
    assert upload.tell() == 1024 * 1024 + 1


def test_a_file_object_within_the_limit_is_cleaned_like_bytes() -> None:
    source = phone_photo()
    assert clean_photo(io.BytesIO(source)) == clean_photo(source)


def test_a_header_claiming_a_huge_picture_is_refused_without_decoding_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Pillow's own global guard switched off: our cap must stand on its own.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    bomb = png_claiming(60_000, 60_000)  # 3.6 gigapixels, about 10 GB decoded
    assert len(bomb) < 100
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    refused = refusal(bomb)

    assert refused.zh == "照片像素太多（上限 40 百万像素）"
    assert refused.en == "the photo has too many pixels (limit 40 megapixels)"
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
    assert grown_kb < 200 * 1024


def test_pillows_own_decompression_bomb_error_becomes_a_refusal() -> None:
    assert Image.MAX_IMAGE_PIXELS is not None
    refused = refusal(png_claiming(60_000, 60_000), max_pixels=10**12)
    assert "像素太多" in refused.zh and "too many pixels" in refused.en


def test_a_picture_under_pillows_limit_but_over_ours_is_refused() -> None:
    assert Image.MAX_IMAGE_PIXELS is not None and Image.MAX_IMAGE_PIXELS > 7000 * 7000
    refused = refusal(png_claiming(7000, 7000))  # 49 megapixels > 40
    assert "像素太多" in refused.zh

    small_limit = refusal(encode(Image.new("RGB", (100, 100)), "PNG"), max_pixels=5000)
    assert small_limit.zh == "照片像素太多（上限 0.005 百万像素）"


def test_cleaning_leaves_pillows_global_limits_as_they_were() -> None:
    limit = Image.MAX_IMAGE_PIXELS
    clean_photo(phone_photo())
    with pytest.raises(PhotoRefused):
        clean_photo(png_claiming(60_000, 60_000))
    assert limit == Image.MAX_IMAGE_PIXELS


def test_a_truncated_jpeg_is_refused_as_damaged() -> None:
    whole = encode(noise(256, 256), quality=90)

    refused = refusal(whole[: len(whole) // 2])

    assert refused.zh == "照片已损坏或不完整，请重新拍摄或选择"
    assert refused.en == "the photo is damaged or incomplete; please take or choose it again"


def test_a_png_with_a_broken_checksum_is_refused_as_damaged() -> None:
    good = encode(noise(32, 32), "PNG")
    broken = good[:40] + bytes([good[40] ^ 0xFF]) + good[41:]  # inside the first IDAT chunk

    assert "损坏" in refusal(broken).zh


def test_a_png_header_with_no_pixel_data_is_refused_as_damaged() -> None:
    assert "损坏" in refusal(png_claiming(100, 100)[:33]).zh


# -- size, hash, determinism -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "size", "expected"),
    [
        ("PNG", (3000, 1000), (600, 200)),
        ("PNG", (1000, 3000), (200, 600)),
        ("JPEG", (5000, 2500), (600, 300)),  # decoded at a reduced scale first
        ("PNG", (300, 200), (300, 200)),  # never enlarged
    ],
)
def test_downscaling_fits_the_long_side_and_keeps_the_aspect(
    fmt: str, size: tuple[int, int], expected: tuple[int, int]
) -> None:
    photo = clean_photo(encode(red_left_blue_right(*size), fmt), max_side=600)

    assert (photo.width, photo.height) == expected
    assert Image.open(io.BytesIO(photo.data)).size == expected


def test_the_sha256_is_that_of_the_clean_bytes() -> None:
    photo = clean_photo(phone_photo())
    assert photo.sha256 == hashlib.sha256(photo.data).hexdigest()
    assert photo.sha256 != hashlib.sha256(phone_photo()).hexdigest()


def test_the_same_upload_always_gives_the_same_bytes() -> None:
    source = encode(noise(500, 300, seed=7), quality=95)
    first, second = clean_photo(source, max_side=256), clean_photo(source, max_side=256)
    assert first.data == second.data and first.sha256 == second.sha256


def test_the_photo_cleaner_never_imports_django() -> None:
    code = (
        "import sys\n"
        "from mingjing.lib.photos import clean_photo\n"
        "from PIL import Image\n"
        "import io\n"
        "buf = io.BytesIO(); Image.new('RGB', (8, 8)).save(buf, 'PNG')\n"
        "assert clean_photo(buf.getvalue()).width == 8\n"
        "assert not [m for m in sys.modules if m == 'django' or m.startswith('django.')], 'django imported'\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
