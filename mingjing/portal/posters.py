"""Print-ready posters (码上监督) and household slips (户廉码) for a township, as one A4 PDF.

One poster per village: the village's name, its code, a large QR code leading to its public
page, three lines of how-to and the complaint entry. With household slips, eight slips to a page
with cut lines, each with the household's own code and nothing personal: the village's name,
the code, how to use it and a slip number. A register page per village (slip number, household
number, a column to sign) stays with the village: it is how the slips reach the right door.

Chinese text needs a CJK font embedded in the file (subsetted by fpdf2: only the characters
used). `MINGJING_PDF_FONT` names one; otherwise the usual Debian font paths are tried
(`fonts-noto-cjk` first). QR codes are drawn as vector rectangles, with a link annotation over
each so that the PDF on screen is clickable too.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from fpdf import FPDF

from mingjing.accounts import policy
from mingjing.audit.actions import record
from mingjing.datahub import queries as hub
from mingjing.lib import regions
from mingjing.portal import qr
from mingjing.portal.public import Place, places

# (path, Debian package) tried in order when MINGJING_PDF_FONT is not set.
FONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "fonts-noto-cjk"),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "fonts-noto-cjk"),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "fonts-wqy-microhei"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "fonts-wqy-zenhei"),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", "fonts-arphic-uming"),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "fonts-droid-fallback"),
)
PROBE = "村码监督补贴举报"  # a font that lacks these cannot print a poster

POSTER_QR_MM = 104.0  # with a quiet zone of 4 modules clear of the text around it
SLIP_QR_MM = 44.0
SLIPS_PER_PAGE = 8  # 2 columns x 4 rows of A4: 105 x 74.25 mm each
REGISTER_ROWS = 36  # rows per register page
PAGE_W, PAGE_H = 210.0, 297.0
RED = (196, 30, 38)
GREY = (110, 110, 110)
HOTLINE = "12388"  # the discipline inspection and supervision hotline, nationwide

POSTER_HOWTO = (
    "① 用微信或手机相机扫一扫上方二维码，无需登录",
    "② 查看本村党务、村务、财务公开和惠民资金发放名单",
    "③ 输入本人身份证号等信息，查询本人补贴发放情况",
)
SLIP_HOWTO = ("扫码查看本村村务公开", "查询本户惠民资金、本人补贴", f"有问题在线反映或拨打{HOTLINE}")


class PosterProblem(Exception):
    """Why no PDF can be made, in Chinese and English (the console shows one, the CLI both)."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


@dataclass(frozen=True)
class Font:
    path: str
    index: int  # the face within a font collection (.ttc)


@dataclass(frozen=True)
class PosterPdf:
    data: bytes
    filename: str  # ASCII only: safe in a Content-Disposition header and any file system
    pages: int
    villages: int
    households: int
    new_codes: int  # household codes created by this run


# -- the font -------------------------------------------------------------------------------------


def find_font() -> Font:
    """The CJK font to embed: `MINGJING_PDF_FONT`, else the first known path present."""
    configured = str(getattr(settings, "PORTAL_PDF_FONT", "") or "")
    if configured:
        return _usable(configured)
    for path, _package in FONT_CANDIDATES:
        if Path(path).is_file():
            try:
                return _usable(path)
            except PosterProblem:
                continue
    raise PosterProblem(
        "找不到可嵌入 PDF 的中文字体：请安装 Debian 软件包 fonts-noto-cjk（apt-get install fonts-noto-cjk），"
        "或用环境变量 MINGJING_PDF_FONT 指定一个中文 TrueType/OpenType 字体文件",
        "no Chinese font to embed in the PDF: install the Debian package fonts-noto-cjk "
        "(apt-get install fonts-noto-cjk) or set MINGJING_PDF_FONT to a Chinese TrueType/OpenType font file",
    )


@lru_cache(maxsize=8)
def _usable(path: str) -> Font:
    """The face to use in `path` (the Simplified Chinese one of a collection), checked to hold
    the characters of a poster."""
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    problem = PosterProblem(
        f"字体文件 {path} 无法使用（不存在、无法读取或不含中文字形）：请检查 MINGJING_PDF_FONT，"
        "或安装 Debian 软件包 fonts-noto-cjk",
        f"the font file {path} cannot be used (missing, unreadable or without Chinese glyphs): "
        "check MINGJING_PDF_FONT or install the Debian package fonts-noto-cjk",
    )
    try:
        if path.lower().endswith((".ttc", ".otc")):
            faces = list(TTCollection(path, lazy=True).fonts)
        else:
            faces = [TTFont(path, lazy=True)]
    except (OSError, TTLibError, AssertionError, ValueError) as exc:
        raise problem from exc

    def name(face: TTFont) -> str:
        return str(face["name"].getDebugName(4) or face["name"].getDebugName(1) or "")

    # Simplified Chinese first (Noto's collections hold JP, KR, SC, TC and HK faces), monospace last.
    order = sorted(range(len(faces)), key=lambda i: (" SC" not in name(faces[i]) and "GB" not in name(faces[i]),
                                                     "Mono" in name(faces[i]), i))
    for index in order:
        cmap = faces[index].getBestCmap() or {}
        if all(ord(ch) in cmap for ch in PROBE):
            return Font(path, index)
    raise problem


# -- what to print --------------------------------------------------------------------------------


def villages_of(area_code: str) -> list[Place]:
    """The villages of a township (or the one village) by code, in code order."""
    if not (len(area_code) == 12 and area_code.isdigit()):
        return []
    everything = places()
    if regions.level_of(area_code) == "village":
        return [everything[area_code]] if area_code in everything else []
    if regions.level_of(area_code) != "township":
        return []
    return sorted((p for p in everything.values() if p.township_code == area_code), key=lambda p: p.code)


def do_make_posters(*, user: User | None, area_code: str, households: bool = False,
                    base_url: str | None = None, max_slips: int | None = None) -> PosterPdf:
    """The PDF of a township's (or one village's) posters, with household slips if asked.

    `max_slips` bounds the slips of one request (the web: a QR code takes segno some 20 ms to
    make, so a whole township's slips are for the command line).

    Steps: 1. check the user may print for the area (the CLI, `user=None`, may print any);
    2. find the font and count the households before writing anything; 3. create the missing
    household codes and record the print run in the trail, in one transaction; 4. draw."""
    policy.require_unless_system(user, "poster.print", area_code)
    villages = villages_of(area_code)
    if not villages:
        raise PosterProblem(f"{area_code[:20]} 不是已知的乡镇或村", f"{area_code[:20]} is not a known township or village")
    font = find_font()
    codes = [v.code for v in villages]
    found = qr.households_of(codes) if households else {}
    total = sum(len(ids) for ids in found.values())
    if max_slips is not None and total > max_slips:
        raise PosterProblem(
            f"共 {total} 户，超过网页一次可打印的 {max_slips} 户：请逐村打印，或在服务器上运行 "
            f"mingjing portal posters {area_code} --households --out 文件.pdf",
            f"{total} households, more than the {max_slips} slips the web prints at once: print village "
            f"by village, or run mingjing portal posters {area_code} --households --out FILE.pdf on the server",
        )
    with transaction.atomic():
        slips, created = qr.ensure_household_codes(codes, found) if households else ({}, 0)
        count = sum(len(s) for s in slips.values())
        record("portal.posters", actor=user, object_type="region", object_id=area_code, detail={
            "villages": len(villages), "with_slips": households, "slips": count, "new_codes": created,
        })
    data, pages = render(villages, slips, font=font, base_url=base_url)
    return PosterPdf(data, f"mingjing-posters-{area_code}{'-households' if households else ''}.pdf",
                     pages, len(villages), count, created)


# -- drawing --------------------------------------------------------------------------------------


class _Pdf(FPDF):
    def __init__(self, font: Font):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)
        self.add_font("cjk", fname=font.path, collection_font_number=font.index)
        self.set_font("cjk", size=12)
        self.set_creator("Mingjing 明镜")
        self.set_lang("zh-CN")

    def centred(self, y: float, text: str, size: float, color: tuple[int, int, int] = (0, 0, 0),
                bold: bool = False, width: float = PAGE_W - 30) -> None:
        """One line centred on the page, made smaller until it fits `width`."""
        self.set_font("cjk", size=size)
        while size > 8 and self.get_string_width(text) > width:
            size -= 1
            self.set_font("cjk", size=size)
        self.set_text_color(*color)
        x = (PAGE_W - self.get_string_width(text)) / 2
        if bold:  # a stroked outline thickens the one face we embed (a second face would double the size)
            with self.local_context(text_mode="FILL_STROKE", line_width=size / 90, draw_color=color):
                self.text(x, y, text)
        else:
            self.text(x, y, text)

    def qr_code(self, url: str, x: float, y: float, size: float) -> None:
        """The code's dark modules as filled rectangles (a run of modules in a row is one), with
        a link annotation over it. The paper around it is the quiet zone: keep 4 modules clear.

        The rectangles are written as raw operators in one `q 0 g ... f Q` block: fpdf2's `rect`
        costs a Python call per module, ten times slower on a township's thousands of slips."""
        modules = qr.matrix(url)
        unit = size / len(modules)
        k, top = self.k, self.h
        ops = []
        for r, row in enumerate(modules):
            c = 0
            while c < len(row):
                if row[c]:
                    start = c
                    while c < len(row) and row[c]:
                        c += 1
                    ops.append(f"{(x + start * unit) * k:.2f} {(top - y - r * unit) * k:.2f} "
                               f"{(c - start) * unit * k:.2f} {-unit * k:.2f} re")
                else:
                    c += 1
        self._out("q 0 g\n" + "\n".join(ops) + "\nf Q")
        self.link(x, y, size, size, url)


def render(villages: Sequence[Place], slips: dict[str, list[qr.Slip]], *, font: Font,
           base_url: str | None = None) -> tuple[bytes, int]:
    """The PDF's bytes and its number of pages: each village's poster, then (if any) its slips
    and its register."""
    pdf = _Pdf(font)
    names = hub.region_names()
    county = names.get(regions.county_of(villages[0].code), "") if villages else ""
    township = villages[0].township_name if villages else ""
    pdf.set_title(f"{county}{township} 码上监督二维码")
    printed = timezone.localdate()
    for place in villages:
        _poster(pdf, place, county, base_url, printed)
        if slips.get(place.code):
            _slips(pdf, place, slips[place.code], base_url)
            _register(pdf, place, slips[place.code], printed)
    return bytes(pdf.output()), pdf.pages_count


def _poster(pdf: _Pdf, place: Place, county: str, base_url: str | None, printed: dt.date) -> None:
    pdf.add_page()
    pdf.set_fill_color(*RED)
    pdf.rect(0, 0, PAGE_W, 8, style="F")
    pdf.centred(24, f"{county} {place.township_name}".strip(), 16, GREY)
    pdf.centred(46, place.name, 44, bold=True)
    pdf.centred(64, "码上监督", 28, RED, bold=True)
    url = qr.village_url(place.code, base_url)
    pdf.qr_code(url, (PAGE_W - POSTER_QR_MM) / 2, 80, POSTER_QR_MM)
    pdf.centred(200, f"村代码 {place.code}", 12, GREY)
    pdf.centred(206, url, 9, GREY)
    pdf.set_text_color(0, 0, 0)
    for i, line in enumerate(POSTER_HOWTO):
        pdf.set_font("cjk", size=15)
        pdf.text(30, 221 + i * 9, line)
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.6)
    pdf.rect(20, 252, PAGE_W - 40, 22)
    pdf.centred(261, f"我要投诉：扫码后点“我要投诉”在线反映，或拨打举报电话 {HOTLINE}", 13, RED)
    pdf.centred(269, qr.complaints_url(place.code, base_url), 9, GREY)
    pdf.link(20, 252, PAGE_W - 40, 22, qr.complaints_url(place.code, base_url))
    pdf.centred(288, f"{county}纪委监委 监制 · {printed:%Y年%m月}", 9, GREY)


def _slips(pdf: _Pdf, place: Place, slips: list[qr.Slip], base_url: str | None) -> None:
    """Eight to a page, dashed cut lines between them. Nothing on a slip names the household."""
    w, h = PAGE_W / 2, PAGE_H / 4
    for start in range(0, len(slips), SLIPS_PER_PAGE):
        pdf.add_page()
        _cut_lines(pdf, w, h)
        for i, slip in enumerate(slips[start:start + SLIPS_PER_PAGE]):
            x, y = (i % 2) * w, (i // 2) * h
            pdf.set_text_color(0, 0, 0)
            pdf.set_font("cjk", size=12)
            pdf.text(x + 7, y + 11, f"{place.township_name}{place.name}")
            pdf.set_text_color(*RED)
            pdf.set_font("cjk", size=12)
            pdf.text(x + w - 7 - pdf.get_string_width("户廉码"), y + 11, "户廉码")
            pdf.qr_code(qr.household_url(slip.token, base_url), x + 7, y + 18, SLIP_QR_MM)
            pdf.set_text_color(0, 0, 0)
            pdf.set_font("cjk", size=9.5)
            for j, line in enumerate(SLIP_HOWTO):
                pdf.text(x + 57, y + 26 + j * 8, line)
            pdf.set_text_color(*GREY)
            pdf.set_font("cjk", size=9)
            pdf.text(x + 57, y + 54, "请贴在门上或妥善保管")
            pdf.set_font("cjk", size=11)
            number = f"No. {slip.number:04d}"
            pdf.text(x + w - 7 - pdf.get_string_width(number), y + 66, number)


def _cut_lines(pdf: _Pdf, w: float, h: float) -> None:
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.2)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=2, gap=2)
        pdf.line(w, 0, w, PAGE_H)
        for row in range(1, 4):
            pdf.line(0, row * h, PAGE_W, row * h)
    pdf.set_dash_pattern()


def _register(pdf: _Pdf, place: Place, slips: list[qr.Slip], printed: dt.date) -> None:
    """The village's own list of which slip went to which household: kept by the village, never
    posted (it holds household numbers, no names)."""
    from mingjing.portal.models import HouseholdCode

    households = dict(HouseholdCode.objects.filter(token__in=[s.token for s in slips])
                      .values_list("token", "household_id"))
    pages = math.ceil(len(slips) / REGISTER_ROWS)
    for page in range(pages):
        pdf.add_page()
        pdf.centred(20, f"{place.township_name}{place.name} 户廉码发放登记表", 16, bold=True)
        pdf.centred(28, f"村内留存，请勿张贴 · 打印于 {printed:%Y-%m-%d} · 第 {page + 1}/{pages} 页", 10, GREY)
        pdf.set_text_color(0, 0, 0)
        pdf.set_draw_color(120, 120, 120)
        pdf.set_line_width(0.2)
        columns: list[tuple[str, float]] = [("编号", 30), ("户号", 70), ("签收人", 40), ("备注", 40)]
        y = 36.0
        _row(pdf, y, [c for c, _ in columns], [w for _, w in columns])
        for slip in slips[page * REGISTER_ROWS:(page + 1) * REGISTER_ROWS]:
            y += 7
            _row(pdf, y, [f"No. {slip.number:04d}", households.get(slip.token, ""), "", ""],
                 [w for _, w in columns])


def _row(pdf: _Pdf, y: float, cells: list[str], widths: list[float]) -> None:
    x = 15.0
    pdf.set_font("cjk", size=10)
    for text, width in zip(cells, widths, strict=True):
        pdf.rect(x, y, width, 7)
        pdf.text(x + 2, y + 5, text)
        x += width


# -- the demo county --------------------------------------------------------------------------------


def _demo_village() -> str:
    """The first village (by code) of the demo county: its households get codes to try."""
    codes = sorted(places())
    return codes[0] if codes else ""


def seed_demo() -> dict[str, Any]:
    """Household codes for one village of the demo county (idempotent), so that the README's
    household QR code leads somewhere. A whole county's codes are made when its slips are printed."""
    village = _demo_village()
    if not village:
        return {"household_codes": 0}
    slips, created = qr.ensure_household_codes([village])
    # The posters of that village's township, as the township would print them.
    try:
        pdf = do_make_posters(user=None, area_code=regions.township_of(village), households=False)
    except PosterProblem as problem:  # no CJK font on this machine: the demo goes on without posters
        return {"village": village, "household_codes": created, "posters": f"{problem.zh} / {problem.en}"}
    path = Path(settings.HOME) / "demo-posters.pdf"
    path.write_bytes(pdf.data)
    return {"village": village, "household_codes": created, "households": len(slips.get(village, [])),
            "posters": str(path)}


def demo_household_url() -> str:
    """One household's QR address in the demo county ('' before `seed_demo`)."""
    from mingjing.portal.models import HouseholdCode

    code = HouseholdCode.objects.filter(village_code=_demo_village()).order_by("id").first()
    return qr.household_url(code.token) if code is not None else ""
