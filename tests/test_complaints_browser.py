"""监督一点通 in a real browser (Debian's Chromium through Playwright): a villager's phone at 375 px
without JavaScript, and staff signing in through the login page.

1. A villager scans the village's QR address, files an anonymous complaint with a photo (a JPEG
   carrying GPS in its EXIF), keeps the tracking code; the township officer accepts it and routes
   it to the village, the village's supervision committee chair answers; the villager reads the
   answer with the code, rates it "not resolved", and the complaint is reopened.
2. A villager files a tip-off naming a village cadre: the cadre's own account and the village's
   other staff never find it, not in the list nor by its address; the township commission does.

No villager page scrolls sideways at 375 px. Screenshots go to test-artifacts/complaint-*.png.
Runs where /usr/bin/chromium exists (CI installs it with apt-get); never downloads a browser.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings, settings
from django.contrib.auth.models import User
from django.utils import translation
from django.utils.translation import gettext
from PIL import Image

from mingjing.accounts.models import Membership, Role
from mingjing.complaints import routing
from mingjing.complaints.models import Complaint, ComplaintPhoto
from mingjing.portal import posters, qr
from tests.alerts_fixtures import VILLAGE, Cast, make_cast
from tests.test_browser import CHROMIUM
from tests.test_browser import browser as chromium  # noqa: F401 (a fixture: a headless Chromium)

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PHONE_WIDTH = 375
COMPLAINT = "村里去年修的水泥路已经开裂，修路的钱一直没有公开。"
ANSWER = "经核实，施工方已同意返修，修路支出明细已在村务公开栏公开。"
CADRE = "孙七"  # a bookkeeper of the village, named in the tip-off
TIPOFF = f"村会计{CADRE}把集体鱼塘低价包给了自己的亲戚。"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"),
]


def phone(browser: Any, *, javascript: bool = False) -> Any:
    """A page on a phone 375 px wide; villagers' pages are read without JavaScript."""
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 812}, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="zh-CN", java_script_enabled=javascript)
    return context.new_page()


@pytest.fixture
def cast(alice: User, settings: LazySettings, live_server: Any, tmp_path: Path) -> Cast:
    settings.BASE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    ARTIFACTS.mkdir(exist_ok=True)
    return make_cast(alice)


def zh(message: str) -> str:
    """A message as the pages show it to a browser asking for Chinese."""
    with translation.override("zh-hans"):
        return gettext(message)


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 5.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def fits(page: Any, name: str) -> None:
    """Nothing on the villager's page scrolls sideways; a screenshot for the record."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{name}: the page is {width} px wide on a {PHONE_WIDTH} px phone"
    page.screenshot(path=str(ARTIFACTS / f"complaint-{name}.png"), full_page=True)


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"{username}-password")
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_load_state()


def file_from_the_village_page(page: Any, channel: str, text: str, people: str = "", photo: bytes | None = None) -> str:
    """From the QR address to the filed page: the tracking code as the page shows it."""
    page.goto(qr.village_url(VILLAGE))
    fits(page, "village")
    entry = page.locator(f"a[href='/v/{VILLAGE}/complaints/']")
    assert entry.inner_text().startswith(zh("Complaints"))  # 我要投诉
    entry.click()
    page.wait_for_load_state()
    fits(page, "entry")
    page.click(f"a[href='/v/{VILLAGE}/complaints/new/?channel={channel}']")
    page.wait_for_load_state()
    fits(page, f"new-{channel}")
    page.fill("textarea[name=text]", text)
    if people:
        page.fill("input[name=people]", people)
    assert page.is_checked("input[name=identity][value=anonymous]")  # anonymous unless chosen otherwise
    if photo is not None:
        page.set_input_files("#photo-album", files=[{"name": "路面.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    page.click("form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_load_state()
    code = page.get_attribute(".code", "aria-label")
    assert code, page.content()
    fits(page, f"filed-{channel}")
    return str(code)


def look_up(page: Any, base: str, code: str) -> None:
    page.goto(f"{base}/v/{VILLAGE}/complaints/status/")
    fits(page, "status")
    page.fill("#code", code)
    page.click(f"form[action='/v/{VILLAGE}/complaints/status/'] button[type=submit]")
    page.wait_for_load_state()


def test_a_villager_files_with_a_photo_reads_the_answer_and_reopens_it(
    cast: Cast, live_server: Any, chromium: Any  # noqa: F811
) -> None:
    base = live_server.url
    villager = phone(chromium)

    # 1. Filed anonymously from the village page, with a photo; the code is shown once, with its slip.
    code = file_from_the_village_page(villager, "complaint", COMPLAINT, photo=jpeg_with_gps())
    complaint = Complaint.objects.get()
    assert code.startswith(complaint.reference + "-")
    assert complaint.anonymous and complaint.contact_phone == "" and complaint.triage == cast.township
    assert complaint.channel == Complaint.Channel.COMPLAINT and complaint.status == Complaint.Status.SUBMITTED
    shown = ComplaintPhoto.objects.get(complaint=complaint).shown.read()
    assert 0x8825 not in Image.open(io.BytesIO(shown)).getexif()  # where it was taken is gone
    try:
        posters.find_font()
    except posters.PosterProblem:
        pass  # no CJK font installed: the page shows the code as text only
    else:
        assert (villager.get_attribute("img.slip", "src") or "").startswith("data:image/png;base64,")
        assert villager.get_attribute("a[download]", "download") == f"明镜查询码-{complaint.reference}.png"

    # 2. The township officer accepts it, routed to the village.
    staff = phone(chromium, javascript=True)
    log_in(staff, base, "tom")
    staff.goto(f"{base}/console/complaints/")
    staff.click(f'li[data-complaint="{complaint.pk}"] a.ref')
    staff.wait_for_load_state()
    staff.select_option("select[name=accept-category]", "project")
    staff.select_option("select[name=accept-handler]", str(cast.village.pk))
    staff.click("#action-accept button[type=submit]")
    staff.wait_for_load_state()
    complaint.refresh_from_db()
    assert (complaint.status, complaint.handler) == (Complaint.Status.ACCEPTED, cast.village)

    # 3. The village's supervision committee chair answers.
    staff.context.clear_cookies()
    log_in(staff, base, "victor")
    staff.goto(f"{base}/console/complaints/{complaint.pk}/")
    staff.fill("textarea[name=answer-answer]", ANSWER)
    staff.click("#action-answer button[type=submit]")
    staff.wait_for_load_state()
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ANSWERED and complaint.answer_by == cast.victor
    staff.context.close()

    # 4. The villager reads the answer with the code and rates it "not resolved": reopened.
    look_up(villager, base, code)
    assert ANSWER in villager.inner_text(".quote")
    assert villager.locator(".photos img").count() == 1  # their own photo, re-encoded
    fits(villager, "answered")
    assert villager.inner_text("label[for=id_rating_1]").strip() == zh("Not resolved")  # 未解决
    villager.check("#rate input[name=rating][value=not_resolved]")
    villager.fill("#rate textarea[name=comment]", "路面还是裂的。")
    villager.click("#rate button[type=submit]")
    villager.wait_for_load_state()
    message = villager.inner_text(".okbox")
    assert message == zh("You said it is not resolved: the matter is reopened and will be handled again. "
                         "The new answer is reviewed by the level above before you read it.")
    assert zh("Reopened after you rated it not resolved: being handled again.") in villager.content()
    assert code not in villager.content()  # the code is never shown again
    fits(villager, "reopened")
    complaint.refresh_from_db()
    assert (complaint.status, complaint.reopened_count, complaint.rating) == (
        Complaint.Status.ACCEPTED, 1, Complaint.Rating.NOT_RESOLVED)
    assert complaint.escalated_to == cast.township  # the second answer is reviewed by the level above
    villager.context.close()


def test_a_tipoff_naming_a_cadre_never_reaches_the_cadres_village(cast: Cast, live_server: Any, chromium: Any) -> None:  # noqa: F811
    base = live_server.url
    cadre = User.objects.create_user("cadre", password="cadre-password", is_staff=True, first_name=CADRE)
    Membership.objects.create(user=cadre, organisation=cast.village, role=Role.VILLAGE_BOOKKEEPER)

    villager = phone(chromium)
    file_from_the_village_page(villager, "tipoff", TIPOFF, people=CADRE)
    villager.context.close()
    tipoff = Complaint.objects.get()
    assert tipoff.is_tipoff and tipoff.people == [CADRE] and tipoff.triage == cast.township
    assert cast.village.pk in routing.ids_of(tipoff.excluded_orgs)

    # The cadre and the village's supervision committee chair, on their phones: not in the list,
    # not at its address.
    for username in ("cadre", "victor"):
        page = phone(chromium, javascript=True)
        log_in(page, base, username)
        listed = page.goto(f"{base}/console/complaints/")
        assert listed is not None and listed.status == 200
        assert page.locator(f'[data-complaint="{tipoff.pk}"]').count() == 0
        assert tipoff.reference not in page.content() and TIPOFF not in page.content()
        page.screenshot(path=str(ARTIFACTS / f"complaint-tipoff-list-{username}.png"), full_page=True)
        for url in (f"/console/complaints/{tipoff.pk}/", f"/console/complaints/{tipoff.pk}/linked/"):
            response = page.goto(base + url)
            assert response is not None and response.status == 404, (username, url)
            assert TIPOFF not in page.content()
        page.context.close()

    # The township commission, which handles it, does find it.
    page = phone(chromium, javascript=True)
    log_in(page, base, "tom")
    page.goto(f"{base}/console/complaints/")
    assert page.locator(f'[data-complaint="{tipoff.pk}"]').count() == 1
    response = page.goto(f"{base}/console/complaints/{tipoff.pk}/")
    assert response is not None and response.status == 200 and TIPOFF in page.content()
    page.context.close()
