"""The tracking code's slip (查询码凭条): a PNG the villager saves right after filing.

The secret part of a tracking code is shown once and never stored (`codes.py`), so the page that
shows it is the villager's only chance to keep it. A picture is what a phone keeps best: it lands
in the photo album next to the photos of the matter itself, and WeChat's browser saves an image
with a long press even where a download link does nothing.

The slip is drawn with Pillow in the portal's CJK font (`posters.find_font`: MINGJING_PDF_FONT,
else the Debian paths) and carries the lookup page's address as text and as a QR code (segno's
module matrix, `portal/qr.py`). It is made in memory for one response and written nowhere.
A fixed palette of a few colours keeps the PNG small (a page carries it twice, as the image and
as the download link) and fast to make: everything but the code is drawn once per village and
kept (`_frame`), so a slip costs a few milliseconds.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from mingjing.portal import posters, qr

logger = logging.getLogger("mingjing.complaints")

TITLE = "明镜·监督一点通"
CHANNEL_WORDS = {"complaint": "投诉", "tipoff": "举报"}
WIDTH = 720
MARGIN = 40
QR_MODULE = 6  # pixels per QR module: a version 5 code (the usual address) is about 220 px
RED = (166, 27, 27)  # the portal's header colour
INK = (31, 35, 40)
GREY = (89, 99, 110)
WHITE = (255, 255, 255)
PALETTE_STEPS = 16  # shades from white to each colour
BAND_TOP = 170  # where the code's band starts, and its height
BAND_HEIGHT = 200


@dataclass(frozen=True)
class Slip:
    village: str  # the village's full name (township and village)
    channel: str  # "complaint" or "tipoff"
    code: str  # the whole tracking code, as shown on the page
    filed_on: dt.date
    lookup_url: str  # the absolute address of the status lookup page


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    found = posters.find_font()
    return ImageFont.truetype(found.path, size, index=found.index)


def warm_up() -> None:
    """Load the fonts the slip uses (a CJK font file takes seconds to open the first time)."""
    for size in (20, 26, 40, 44):
        _font(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """`text` cut into lines no wider than `width` (character by character: addresses and Chinese
    have no spaces to break at)."""
    lines, line = [], ""
    for ch in text:
        if line and draw.textlength(line + ch, font=font) > width:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines


def _palette() -> Image.Image:
    """A fixed palette: white shading into each of the slip's three colours (antialiased text keeps
    its soft edges). Mapping onto it is ten times faster than finding a palette per image."""
    colours = []
    for ink in (INK, RED, GREY):
        for step in range(PALETTE_STEPS):
            t = step / (PALETTE_STEPS - 1)
            colours += [round(WHITE[k] * (1 - t) + ink[k] * t) for k in range(3)]
    palette = Image.new("P", (1, 1))
    palette.putpalette(colours + [0] * (768 - len(colours)))
    return palette


_PALETTE = _palette()


def _few_colours(im: Image.Image) -> Image.Image:
    return im.quantize(palette=_PALETTE, dither=Image.Dither.NONE)


def _frame(village: str, lookup_url: str) -> Image.Image:
    """Everything but the code, channel and date, which `slip_png` draws into the blank band:
    the same for every slip of a village, kept as PNG bytes for the next one (drawing it, the QR
    code above all, costs ten times decoding it; a county's 500 villages keep ~10 MB)."""
    im = Image.open(io.BytesIO(_frame_png(village, lookup_url)))
    im.load()
    return im


@lru_cache(maxsize=1024)
def _frame_png(village: str, lookup_url: str) -> bytes:
    out = io.BytesIO()
    _draw_frame(village, lookup_url).save(out, format="PNG")
    return out.getvalue()


def _draw_frame(village: str, lookup_url: str) -> Image.Image:
    title, normal, small = _font(40), _font(26), _font(20)
    modules = qr.matrix(lookup_url)
    qr_side = (len(modules) + 8) * QR_MODULE  # with the 4-module quiet zone the standard asks for
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    url_lines = _wrap(probe, lookup_url, small, WIDTH - 2 * MARGIN)
    height = BAND_TOP + BAND_HEIGHT + 140 + 34 * len(url_lines) + qr_side + 30
    im = Image.new("RGB", (WIDTH, height), WHITE)
    draw = ImageDraw.Draw(im)
    # 1. The header band with the title, and the village.
    draw.rectangle((0, 0, WIDTH, 100), fill=RED)
    draw.text((WIDTH // 2, 50), TITLE, font=title, fill=WHITE, anchor="mm")
    draw.text((MARGIN, 125), village, font=normal, fill=INK)
    # 2. (The band for the code stays blank.) What the code is for.
    y = BAND_TOP + BAND_HEIGHT
    draw.text((MARGIN, y), "凭查询码查询办理进度、补充情况、评价答复。", font=small, fill=GREY)
    y += 32
    draw.text((MARGIN, y), "查询码只显示一次，请妥善保存，不要告诉他人。", font=small, fill=RED)
    y += 48
    # 3. Where to look it up: the address and its QR code.
    draw.text((MARGIN, y), "查询网址：", font=small, fill=GREY)
    y += 30
    for line in url_lines:
        draw.text((MARGIN, y), line, font=small, fill=INK)
        y += 34
    left, top = (WIDTH - qr_side) // 2, y + 10
    for row, cells in enumerate(modules):
        for col, dark in enumerate(cells):
            if dark:
                x0, y0 = left + (col + 4) * QR_MODULE, top + (row + 4) * QR_MODULE
                draw.rectangle((x0, y0, x0 + QR_MODULE - 1, y0 + QR_MODULE - 1), fill=INK)
    return _few_colours(im)


def slip_png(slip: Slip) -> bytes | None:
    """The slip as PNG bytes, or None when it cannot be drawn (no CJK font installed): the page
    still shows the code as text. Never raises, and never logs the code."""
    try:
        return _draw(slip)
    except posters.PosterProblem as problem:
        logger.warning("no slip image: %s", problem.en)
    except Exception:  # the complaint is filed already: a broken slip must not lose the villager's code
        logger.exception("no slip image")
    return None


def _draw(slip: Slip) -> bytes:
    frame = _frame(slip.village, slip.lookup_url)
    big, normal = _font(44), _font(26)
    band = Image.new("RGB", (WIDTH, BAND_HEIGHT), WHITE)
    draw = ImageDraw.Draw(band)
    channel = CHANNEL_WORDS.get(slip.channel, slip.channel)
    draw.text((MARGIN, 5), f"类型：{channel}    提交日期：{slip.filed_on.isoformat()}", font=normal, fill=INK)
    draw.text((MARGIN, 65), "查询码", font=normal, fill=GREY)
    draw.text((WIDTH // 2, 140), slip.code, font=big, fill=INK, anchor="mm", stroke_width=1, stroke_fill=INK)
    im = frame
    im.paste(_few_colours(band), (0, BAND_TOP))  # the same palette: indices copy across
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()
