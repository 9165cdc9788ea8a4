"""QR posters and household slips (户廉码): the PDF, the codes, the console page and the command.

The PDF's text is read back through its own ToUnicode maps (no PDF library needed; `pdftotext`
is used as well when poppler-utils is installed), and its QR codes are read back from the
rectangles drawn, module by module, and compared with segno's matrix of the expected URL.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from mingjing.accounts.policy import Refused
from mingjing.audit.models import AuditEntry
from mingjing.datahub.actions import do_import_file
from mingjing.portal import posters, qr
from mingjing.portal.models import HouseholdCode
from tests.alerts_fixtures import person
from tests.personas import make_personas, org

COUNTY, TOWNSHIP, OTHER_TOWNSHIP = "110101000000", "110101001000", "110101002000"
DONGFENG, XIANGYANG, HEWAN = "110101001201", "110101001202", "110101002201"
BASE = "https://mj.example.org"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not any(Path(p).is_file() for p, _ in posters.FONT_CANDIDATES),
                       reason="no CJK font installed (apt-get install fonts-noto-cjk)"),
]


@pytest.fixture
def county(tmp_path: Path) -> dict[str, list[str]]:
    """Three villages in two townships; 东风村 has 10 households (two slip pages), 向阳村 3, and
    people who died or moved away do not make a household of their own."""
    regions = tmp_path / "regions.csv"
    regions.write_text(
        "区划代码,名称,级别\n"
        f"{COUNTY},明镜县,county\n{TOWNSHIP},城关镇,township\n{OTHER_TOWNSHIP},东河镇,township\n"
        f"{DONGFENG},东风村,village\n{XIANGYANG},向阳村,village\n{HEWAN},河湾村,village\n",
        encoding="utf-8",
    )
    rows = ["身份证号,姓名,村(社区)代码,户号,与户主关系,人员状态"]
    households: dict[str, list[str]] = {DONGFENG: [], XIANGYANG: []}
    seq = 0
    for village, count in ((DONGFENG, 10), (XIANGYANG, 3)):
        for n in range(count):
            household = f"{village[6:]}{n:04d}"
            households[village].append(household)
            for relation in ("户主", "配偶"):
                seq += 1
                rows.append(f"{person(seq)},张{'三四'[seq % 2]}{seq},{village},{household},{relation},正常")
    seq += 1
    rows.append(f"{person(seq)},李故{seq},{DONGFENG},DEAD0001,户主,死亡")
    seq += 1
    rows.append(f"{person(seq)},王迁{seq},{XIANGYANG},GONE0001,户主,迁出")
    persons = tmp_path / "persons.csv"
    persons.write_text("\n".join(rows) + "\n", encoding="utf-8")
    do_import_file("regions", regions)
    do_import_file("persons", persons)
    return households


@pytest.fixture
def people(db: None) -> dict[str, User | None]:
    return make_personas(
        county=org("county_commission", "明镜县纪委监委", COUNTY),
        township=org("township_commission", "城关镇纪委", TOWNSHIP),
        other_township=org("township_commission", "东河镇纪委", OTHER_TOWNSHIP),
        department=org("department", "县民政局", department="民政局"),
        village=org("village", "东风村", DONGFENG),
    )


# -- reading the PDF back -------------------------------------------------------------------------


def _objects(pdf: bytes) -> list[bytes]:
    """Every stream's content, inflated where compressed."""
    out = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        head, body = match.group(1), match.group(2)
        out.append(zlib.decompress(body) if b"FlateDecode" in head else body)
    return out


def _pages(pdf: bytes) -> list[bytes]:
    """Page content streams in order (they hold the drawing operators)."""
    return [s for s in _objects(pdf) if b" Tj" in s and b"begincmap" not in s]


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i:i + 1] == b"\\":
            nxt = raw[i + 1:i + 2]
            if nxt.isdigit():
                digits = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
                assert digits is not None
                out.append(int(digits.group(0), 8))
                i += 1 + len(digits.group(0))
                continue
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
            i += 2
        else:
            out += raw[i:i + 1]
            i += 1
    return bytes(out)


def _text(pdf: bytes) -> list[str]:
    """The text of each page, decoded through the (single) font's ToUnicode map."""
    cmap = next(s for s in _objects(pdf) if b"beginbfchar" in s)
    codes = {int(a, 16): chr(int(b, 16)) for a, b in re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]{4})>", cmap)}
    pages = []
    for content in _pages(pdf):
        strings = re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", content, re.S)
        text = []
        for raw in strings:
            data = _unescape(raw)
            text.append("".join(codes.get(int.from_bytes(data[i:i + 2], "big"), "?") for i in range(0, len(data), 2)))
        pages.append("\n".join(text))
    return pages


def _links(pdf: bytes) -> list[str]:
    return [m.decode() for m in re.findall(rb"/URI \((.*?)\)", pdf)]


def _qr_drawn(content: bytes, size_pt: float) -> list[list[bool]]:
    """The matrix of the first QR code drawn on a page (a `q 0 g ... f Q` block of rectangles
    one module high), mapped back to rows and columns."""
    block = re.search(rb"q 0 g\n(.*?)\nf Q", content, re.S)
    assert block is not None
    rects = [tuple(float(v) for v in m) for m in
             re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) (-[\d.]+) re", block.group(1))]
    unit = -rects[0][3]
    x0, top = min(r[0] for r in rects), max(r[1] for r in rects)
    n = round(size_pt / unit)
    grid = [[False] * n for _ in range(n)]
    for x, y, w, h in rects:
        assert abs(-h - unit) < 0.02
        row, col = round((top - y) / unit), round((x - x0) / unit)
        for c in range(col, col + round(w / unit)):
            grid[row][c] = True
    return grid


# -- the PDF --------------------------------------------------------------------------------------


def test_a_township_pdf_has_one_poster_per_village_with_its_chinese_name(county: dict[str, list[str]]) -> None:
    result = posters.do_make_posters(user=None, area_code=TOWNSHIP, base_url=BASE)
    assert (result.pages, result.villages, result.households) == (2, 2, 0)
    assert result.data.startswith(b"%PDF-") and result.filename == f"mingjing-posters-{TOWNSHIP}.pdf"
    pages = _text(result.data)
    assert len(pages) == 2
    assert "东风村" in pages[0] and "码上监督" in pages[0] and DONGFENG in pages[0] and "12388" in pages[0]
    assert "向阳村" in pages[1] and "城关镇" in pages[1]
    assert "河湾村" not in "".join(pages)  # the other township's
    assert _links(result.data)[:2] == [f"{BASE}/v/{DONGFENG}/", f"{BASE}/v/{DONGFENG}/complaints/"]
    assert len(result.data) < 200_000  # the font is subsetted, not embedded whole


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
def test_pdftotext_reads_the_chinese_text_too(county: dict[str, list[str]], tmp_path: Path) -> None:
    path = tmp_path / "p.pdf"
    path.write_bytes(posters.do_make_posters(user=None, area_code=TOWNSHIP).data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "东风村" in text and "向阳村" in text and "扫一扫" in text


def test_the_poster_qr_code_is_the_village_url(county: dict[str, list[str]]) -> None:
    result = posters.do_make_posters(user=None, area_code=DONGFENG, base_url=BASE)
    url = f"{BASE}/v/{DONGFENG}/"
    expected = qr.matrix(url)
    assert expected == [[bool(m) for m in row] for row in qr.make(url).matrix]
    drawn = _qr_drawn(_pages(result.data)[0], posters.POSTER_QR_MM / 25.4 * 72)
    assert drawn == expected


def test_household_slips_come_eight_to_a_page_with_a_register(county: dict[str, list[str]]) -> None:
    result = posters.do_make_posters(user=None, area_code=TOWNSHIP, households=True, base_url=BASE)
    # 东风村: poster, 2 slip pages (10 slips), 1 register page; 向阳村: poster, 1 slip page, 1 register page
    assert (result.pages, result.villages, result.households, result.new_codes) == (7, 2, 13, 13)
    pages = _text(result.data)
    slips = pages[1] + pages[2]
    assert slips.count("户廉码") == 10 and "No. 0001" in slips and "No. 0010" in slips
    codes = HouseholdCode.objects.filter(village_code=DONGFENG).order_by("id")
    assert [c.household_id for c in codes] == county[DONGFENG]  # not the dead person's household
    links = _links(result.data)
    for code in codes:
        assert f"{BASE}/h/{code.token}/" in links
    assert "GONE0001" not in "".join(pages) and HouseholdCode.objects.count() == 13
    # the register (kept by the village) says which slip goes to which household
    assert "发放登记表" in pages[3] and county[DONGFENG][0] in pages[3]


def test_a_slip_shows_nothing_personal(county: dict[str, list[str]]) -> None:
    result = posters.do_make_posters(user=None, area_code=DONGFENG, households=True, base_url=BASE)
    slip_pages = _text(result.data)[1:3]
    for text in slip_pages:
        assert "张" not in text and "户主" not in text
        assert not re.search(r"\d{15,18}", text)
        for household in county[DONGFENG]:
            assert household not in text
    slip_page = _pages(result.data)[1]
    drawn = _qr_drawn(slip_page, posters.SLIP_QR_MM / 25.4 * 72)
    first = HouseholdCode.objects.filter(village_code=DONGFENG).order_by("id").first()
    assert first is not None
    assert drawn == qr.matrix(f"{BASE}/h/{first.token}/")


def test_household_tokens_are_random_unique_stable_and_reveal_nothing(county: dict[str, list[str]]) -> None:
    first = {s.token: s.number for s in qr.household_codes(DONGFENG)}
    again = {s.token: s.number for s in qr.household_codes(DONGFENG)}
    assert first == again and len(first) == 10 and sorted(first.values()) == list(range(1, 11))
    assert HouseholdCode.objects.count() == 10  # a rerun makes no new codes
    for code in HouseholdCode.objects.all():
        assert re.fullmatch(r"[a-z2-7]{16}", code.token)
        assert code.household_id not in code.token and DONGFENG[-6:] not in code.token
    # random, not derived: the same household in a fresh table gets another token
    HouseholdCode.objects.all().delete()
    assert not set(first) & {s.token for s in qr.household_codes(DONGFENG)}


def test_a_household_code_leads_to_its_village_lookup(county: dict[str, list[str]], client: Client) -> None:
    slip = qr.household_codes(XIANGYANG)[0]
    response = client.get(f"/h/{slip.token}/")
    assert response.status_code == 302 and f"/v/{XIANGYANG}/" in response["Location"]
    assert client.get("/h/notatoken/").status_code == 404


def test_a_missing_font_is_a_bilingual_error_naming_the_setting(county: dict[str, list[str]], settings) -> None:
    settings.PORTAL_PDF_FONT = "/nonexistent/font.ttf"
    with pytest.raises(posters.PosterProblem) as caught:
        posters.do_make_posters(user=None, area_code=TOWNSHIP)
    assert "MINGJING_PDF_FONT" in caught.value.zh and "fonts-noto-cjk" in caught.value.en
    assert HouseholdCode.objects.count() == 0


# -- access and the console page ------------------------------------------------------------------


def test_an_officer_of_another_township_is_refused(county: dict[str, list[str]], people: dict[str, User | None]) -> None:
    with pytest.raises(Refused):
        posters.do_make_posters(user=people["other_township"], area_code=TOWNSHIP)
    with pytest.raises(Refused):
        posters.do_make_posters(user=people["village_secretary"], area_code=XIANGYANG)
    with pytest.raises(Refused):
        posters.do_make_posters(user=people["department_officer"], area_code=TOWNSHIP)
    assert posters.do_make_posters(user=people["township_officer"], area_code=TOWNSHIP).villages == 2


def test_the_console_page_gives_a_township_officer_the_pdf_and_records_it(
    county: dict[str, list[str]], people: dict[str, User | None], client: Client
) -> None:
    officer = people["township_officer"]
    assert officer is not None
    client.force_login(officer)
    page = client.get("/console/portal/posters/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "东风村" in html and "河湾村" not in html
    response = client.post("/console/portal/posters/", {"area": TOWNSHIP, "households": "on"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="mingjing-posters-{TOWNSHIP}-households.pdf"'
    assert b"".join(response.streaming_content if response.streaming else [response.content]).startswith(b"%PDF")
    entry = AuditEntry.objects.filter(action="portal.posters").get()
    assert entry.actor == officer and entry.object_id == TOWNSHIP and entry.detail["slips"] == 13


def test_the_console_refuses_another_township_and_hostile_input(
    county: dict[str, list[str]], people: dict[str, User | None], client: Client
) -> None:
    officer = people["other_township"]
    assert officer is not None
    client.force_login(officer)
    # Another township's code is refused (403); anything that is no code at all is a form error (400).
    assert client.post("/console/portal/posters/", {"area": TOWNSHIP, "households": "on"}).status_code == 403
    for hostile in ("1" * 5000, "<script>alert(1)</script>", "110101001000' OR 1=1", ""):
        response = client.post("/console/portal/posters/", {"area": hostile, "households": "on"})
        assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
        assert "<script>alert" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="portal.posters").exists()
    assert HouseholdCode.objects.count() == 0


def test_a_village_prints_only_its_own_poster_and_slips(
    county: dict[str, list[str]], people: dict[str, User | None], client: Client
) -> None:
    member = people["village_member"]
    assert member is not None
    client.force_login(member)
    html = client.get("/console/portal/posters/").content.decode()
    assert "东风村" in html and "向阳村" not in html
    response = client.post("/console/portal/posters/", {"area": DONGFENG, "households": "on"})
    assert response["Content-Type"] == "application/pdf"
    assert client.post("/console/portal/posters/", {"area": TOWNSHIP}).status_code == 403


def test_the_web_prints_a_bounded_number_of_slips(
    county: dict[str, list[str]], people: dict[str, User | None], client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mingjing.portal import poster_views

    monkeypatch.setattr(poster_views, "MAX_SLIPS", 5)
    officer = people["township_officer"]
    assert officer is not None
    client.force_login(officer)
    response = client.post("/console/portal/posters/", {"area": TOWNSHIP, "households": "on"})
    assert response["Content-Type"].startswith("text/html") and "mingjing portal posters" in response.content.decode()
    assert HouseholdCode.objects.count() == 0
    response = client.post("/console/portal/posters/", {"area": XIANGYANG, "households": "on"})  # 3 households
    assert response["Content-Type"] == "application/pdf"


def test_the_page_is_for_poster_printers_only(county: dict[str, list[str]], people: dict[str, User | None],
                                              client: Client) -> None:
    department = people["department_officer"]
    assert department is not None
    client.force_login(department)
    assert client.get("/console/portal/posters/").status_code == 403
    client.logout()
    assert client.get("/console/portal/posters/").status_code == 302  # to the login page


# -- the command ----------------------------------------------------------------------------------


def test_the_command_writes_a_township_pdf_by_name(county: dict[str, list[str]], tmp_path: Path) -> None:
    out, target = StringIO(), tmp_path / "posters.pdf"
    call_command("portal", "posters", "城关镇", "--out", str(target), "--households", "--base-url", BASE, stdout=out)
    assert target.read_bytes().startswith(b"%PDF")
    assert "7 pages, 2 villages, 13 household slips (13 new codes)" in out.getvalue()
    assert f"{BASE}/v/{DONGFENG}/" in _links(target.read_bytes())


def test_the_command_names_the_candidates_for_an_unknown_township(county: dict[str, list[str]], tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("portal", "posters", "西山乡", "--out", str(tmp_path / "x.pdf"))
    message = str(caught.value)
    assert "西山乡" in message and "unknown township" in message and "城关镇" in message and "东河镇" in message
    assert not (tmp_path / "x.pdf").exists()


def test_seed_demo_gives_a_household_url_to_try(county: dict[str, list[str]]) -> None:
    from mingjing.portal.posters import demo_household_url, seed_demo

    assert seed_demo()["household_codes"] > 0
    url = demo_household_url()
    assert url and re.search(r"/h/[a-z2-7]{16}/$", url)
    assert seed_demo()["household_codes"] == 0  # idempotent
