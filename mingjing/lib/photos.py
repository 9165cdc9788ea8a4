"""Photos the public uploads (complaints, tip-offs, village approvals), made safe to keep and show.

A photo from a phone says more than its pixels: EXIF carries where it was taken (GPS), when, and
on what device; XMP and comments can carry more. A file named ``.jpg`` can be a PDF, a web page or
a program, and a few hundred bytes of PNG can claim a picture that would take gigabytes to decode.
So every upload goes through ``clean_photo``, which keeps nothing of the original but its pixels:

1. the size is capped before anything is decoded;
2. the type is read from the first bytes (never the file name or the declared content type) and
   must be JPEG, PNG, WebP or GIF; anything else is refused naming what it is;
3. the header alone gives the pixel count, capped before the pixel data is decoded;
4. the pixels are decoded (a damaged or truncated file is refused), turned upright by the EXIF
   orientation, flattened onto white, downscaled so the long side fits, and written to a new
   JPEG with no metadata at all.

No Django here: bytes (or a binary file) in, bytes out, so that any app can use it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageFile, ImageOps

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2048
QUALITY = 82

# What transparency is flattened onto: photos of paper look right on white.
BACKGROUND = (255, 255, 255)

# Our name of each accepted format -> Pillow's (``Image.open`` is told to try that one only).
PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "gif": "GIF"}

ACCEPTED_ZH = "JPEG、PNG、WebP 或 GIF"
ACCEPTED_EN = "JPEG, PNG, WebP or GIF"


class PhotoRefused(ValueError):
    """An upload that is not kept, with the reason in both languages ("中文 / English")."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


@dataclass(frozen=True)
class CleanPhoto:
    """A photo re-encoded from its pixels alone: always a JPEG (transparency flattened onto white),
    so pages and storage have one kind of file to handle."""

    data: bytes
    width: int
    height: int
    content_type: str
    extension: str
    sha256: str
    original_type: str  # what the upload was, by its bytes: "jpeg", "png", "webp" or "gif"


# -- what a file is, by its first bytes -----------------------------------------------------------


def sniff(data: bytes) -> str | None:
    """The accepted image format the bytes start with ("jpeg", "png", "webp", "gif"), else None.

    Only the bytes count: a name or a declared content type is whatever the sender wanted."""
    head = bytes(data[:16])
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    return None


# Unmistakable signatures: (prefix, Chinese, English, is an image format we do not take).
_SIGNATURES: list[tuple[bytes, str, str, bool]] = [
    (b"%PDF-", "PDF 文档", "a PDF document", False),
    (b"PK\x03\x04", "压缩包或 Office 文档", "a ZIP archive or Office document", False),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版 Office 文档", "an old Office document", False),
    (b"Rar!\x1a\x07", "RAR 压缩包", "a RAR archive", False),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包", "a 7z archive", False),
    (b"\x1f\x8b", "gzip 压缩文件", "a gzip file", False),
    (b"\x7fELF", "Linux 程序", "a Linux program", False),
    (b"II*\x00", "TIFF 图片", "a TIFF image", True),
    (b"MM\x00*", "TIFF 图片", "a TIFF image", True),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000 图片", "a JPEG 2000 image", True),
]

# The brand of an ISO media file (``....ftyp<brand>``): HEIC is what iPhones take photos in.
_FTYP_BRANDS: list[tuple[tuple[bytes, ...], str, str, bool]] = [
    ((b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"),
     "HEIC 照片", "a HEIC photo", True),
    ((b"avif", b"avis"), "AVIF 图片", "an AVIF image", True),
]


def _text_of(data: bytes) -> str | None:
    """The start of the file as text, if it reads as text (UTF-8 or GB18030, no control bytes)."""
    head = bytes(data[:2048])
    for encoding in ("utf-8", "gb18030"):
        # A character cut at 2048 bytes is no reason to call the file binary.
        for cut in range(4 if len(data) > len(head) else 1):
            try:
                text = head[: len(head) - cut].decode(encoding)
            except UnicodeDecodeError:
                continue
            if all(ch.isprintable() or ch in "\r\n\t\f\ufeff" for ch in text):
                return text
            break
    return None


def describe(data: bytes) -> tuple[str, str, bool]:
    """What a file that is not an accepted image is, for the refusal: (Chinese, English, whether it
    is an image in a format we do not take)."""
    if not data:
        return "空文件", "an empty file", False
    head = bytes(data[:32])
    for prefix, zh, en, is_image in _SIGNATURES:
        if head.startswith(prefix):
            return zh, en, is_image
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        for brands, zh, en, is_image in _FTYP_BRANDS:
            if brand in brands:
                return zh, en, is_image
        return "视频", "a video", False
    if head[:4] == b"RIFF":
        return "音频或视频", "an audio or video file", False
    text = _text_of(data)
    if text is not None:
        start = text.lstrip("\ufeff \r\n\t").lower()
        if "<svg" in start[:1024]:
            return "SVG 矢量图", "an SVG drawing", False
        if start.startswith(("<!doctype html", "<html", "<head", "<body", "<script")) or (
            "<html" in start[:1024]
        ):
            return "HTML 网页", "an HTML page", False
        if start.startswith("<?xml"):
            return "XML 文件", "an XML file", False
        return "文本文件", "a text file", False
    # Two-byte signatures last: text could start with them by chance.
    if head.startswith(b"MZ"):
        return "Windows 程序", "a Windows program", False
    if head.startswith(b"BM") and len(head) >= 18 and head[14] in (12, 40, 52, 56, 64, 108, 124):
        return "BMP 图片", "a BMP image", True
    return "未知格式的文件", "a file of unknown format", False


def _refuse_type(data: bytes) -> PhotoRefused:
    zh, en, is_image = describe(data)
    if is_image:
        return PhotoRefused(
            f"不支持这种图片格式（检测到：{zh}），请上传 {ACCEPTED_ZH} 格式的照片",
            f"this image format is not accepted (found: {en}); please send {ACCEPTED_EN}",
        )
    return PhotoRefused(f"文件不是图片（检测到：{zh}）", f"not an image (found: {en})")


# -- reading ---------------------------------------------------------------------------------------


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".removesuffix(".0")


def _read_capped(source: bytes | bytearray | memoryview | IO[bytes], max_bytes: int) -> bytes:
    """The upload's bytes, refused once past ``max_bytes``: a file is read no further than that."""
    if isinstance(source, bytes | bytearray | memoryview):
        data, size = bytes(source[: max_bytes + 1]), f"{_megabytes(len(source))} MB"
    else:
        data, size = source.read(max_bytes + 1), ""  # how much more there is stays unread
    if len(data) > max_bytes:
        limit = f"{_megabytes(max_bytes)} MB"
        raise PhotoRefused(
            f"照片太大（{size + '，' if size else ''}上限 {limit}）",
            f"the photo is too large ({size + ', ' if size else ''}limit {limit})",
        )
    return data


_DAMAGED = (
    "照片已损坏或不完整，请重新拍摄或选择",
    "the photo is damaged or incomplete; please take or choose it again",
)


def _open(data: bytes, kind: str, max_pixels: int) -> ImageFile.ImageFile:
    """The image with only its header read, refused if it claims more than ``max_pixels``.

    Our own cap does not depend on ``Image.MAX_IMAGE_PIXELS`` (global, and can be set to None);
    Pillow's check on that global runs inside ``Image.open`` too and is caught. Warnings are not
    turned into errors with ``warnings.catch_warnings``: that swaps process-wide state and is not
    safe under threads. Our cap stays below Pillow's by default, so its warning cannot matter."""
    too_many = PhotoRefused(
        f"照片像素太多（上限 {max_pixels / 1e6:g} 百万像素）",
        f"the photo has too many pixels (limit {max_pixels / 1e6:g} megapixels)",
    )
    try:
        im = Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many from None
    except Exception as exc:  # UnidentifiedImageError, SyntaxError, struct.error… on a bad header
        raise PhotoRefused(*_DAMAGED) from exc
    width, height = im.size
    if width <= 0 or height <= 0:
        raise PhotoRefused(*_DAMAGED)
    if width * height > max_pixels:
        im.close()
        raise too_many
    return im


def _decode(im: ImageFile.ImageFile, max_side: int) -> None:
    """The pixels of the first frame. A big JPEG is decoded at a reduced scale (1/2, 1/4, 1/8) that
    still leaves twice the final size, as ``Image.thumbnail`` would: less memory, less time."""
    try:
        if im.format in ("JPEG", "MPO") and max(im.size) > 2 * max_side:
            ratio = 2 * max_side / max(im.size)
            im.draft("RGB", (math.ceil(im.width * ratio), math.ceil(im.height * ratio)))
        im.load()
    except Exception as exc:  # Pillow's decoders raise OSError, SyntaxError, ValueError, struct.error…
        raise PhotoRefused(*_DAMAGED) from exc


def _turn_upright(im: Image.Image) -> None:
    """Turned, in place, the way the camera was held (EXIF orientation). Unreadable EXIF leaves it
    as it is: broken metadata is no reason to refuse the pixels."""
    with contextlib.suppress(Exception):
        ImageOps.exif_transpose(im, in_place=True)


def _resizable(im: Image.Image) -> Image.Image:
    """The pixels in a mode that resizes well (RGB, RGBA, L, LA): palettes expanded (they would
    resize by nearest neighbour), 16-bit grey scaled to 8 bits rather than clipped to white."""
    if im.mode in ("RGB", "RGBA", "L", "LA"):
        return im
    if im.mode.startswith("I;16") or im.mode == "I":
        return im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if im.mode in ("PA", "RGBa", "La") or (im.mode == "P" and "transparency" in im.info):
        return im.convert("RGBA")
    return im.convert("RGB")


def _opaque_rgb(im: Image.Image) -> Image.Image:
    """RGB with any transparency flattened onto white (done after downscaling: less to blend)."""
    if im.mode in ("RGBA", "LA"):
        flat = Image.new("RGB", im.size, BACKGROUND)
        flat.paste(im.convert("RGBA"), mask=im.getchannel("A"))
        return flat
    return im if im.mode == "RGB" else im.convert("RGB")


def _encode_jpeg(im: Image.Image, quality: int) -> bytes:
    """A new JPEG of the pixels only: ``info`` emptied (Pillow would copy a comment from it), no
    EXIF, no XMP, no ICC profile."""
    im.info = {}
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=quality, optimize=True, exif=b"", icc_profile=None)
    return out.getvalue()


# -- the entry points ------------------------------------------------------------------------------


def clean_photo(
    data: bytes | bytearray | memoryview | IO[bytes],
    *,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    max_side: int = MAX_SIDE,
    quality: int = QUALITY,
) -> CleanPhoto:
    """The upload as a clean JPEG, or ``PhotoRefused`` saying why not (see the module docstring).

    ``data`` is the upload's bytes or a binary file (e.g. Django's ``upload.file``), read no
    further than ``max_bytes``. The same bytes give the same output bytes."""
    raw = _read_capped(data, max_bytes)
    kind = sniff(raw)
    if kind is None:
        raise _refuse_type(raw)
    # 1. Header only, pixel count capped; 2. decode; 3. upright, downscale, flatten; 4. new JPEG.
    # Everything inside the block: closing the image frees its pixels.
    with _open(raw, kind, max_pixels) as im:  # an animation opens on its first frame
        _decode(im, max_side)
        _turn_upright(im)
        pixels = _resizable(im)
        if max(pixels.size) > max_side:
            pixels.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        pixels = _opaque_rgb(pixels)
        out = _encode_jpeg(pixels, quality)
    return CleanPhoto(
        data=out,
        width=pixels.width,
        height=pixels.height,
        content_type="image/jpeg",
        extension=".jpg",
        sha256=hashlib.sha256(out).hexdigest(),
        original_type=kind,
    )
