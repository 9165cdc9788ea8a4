"""监督一点通, the villager's side through HTTP: filing (the code shown once, photos without GPS),
hostile input, rate limits, the status lookup (wrong and unknown codes alike, back-off), adding
information and rating with a pass, the published answers, and the transfer callback."""

from __future__ import annotations

import base64
import io
import json
import re
import time
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone
from PIL import Image

from mingjing.accounts.models import Organisation
from mingjing.audit.models import AuditEntry
from mingjing.complaints import actions, lookup, slip
from mingjing.complaints.models import Complaint, ComplaintEvent, ComplaintPhoto
from mingjing.portal import posters
from tests.alerts_fixtures import OTHER_VILLAGE, VILLAGE, Cast, make_cast
from tests.test_complaints import jpeg_with_gps

pytestmark = pytest.mark.django_db

ENTRY = f"/v/{VILLAGE}/complaints/"
NEW = f"/v/{VILLAGE}/complaints/new/"
STATUS = f"/v/{VILLAGE}/complaints/status/"
ADD = f"/v/{VILLAGE}/complaints/status/add/"
RATE = f"/v/{VILLAGE}/complaints/status/rate/"
ANSWERS = f"/v/{VILLAGE}/complaints/answers/"
TEXT = "村里修路的钱一直没有公开，工程质量也很差。"
PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
SHOWN_CODE = re.compile(r'<p class="code" aria-label="([0-9A-Z]{8}-[0-9A-Z]{5}-[0-9A-Z]{5})">')
PASS = re.compile(r'name="pass" value="([^"]+)"')


def _font_installed() -> bool:
    try:
        posters.find_font()
    except posters.PosterProblem:
        return False
    return True


FONT = _font_installed()  # the slip needs a CJK font (fonts-noto-cjk); without one the page shows the code only


@pytest.fixture
def cast(alice: User) -> Cast:
    return make_cast(alice)


def photo_file(data: bytes | None = None, name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else jpeg_with_gps(), content_type="image/jpeg")


def post_filing(client: Client, ip: str = "10.0.0.1", url: str = NEW, **fields: Any) -> Any:
    data = {"channel": "complaint", "text": TEXT, "identity": "anonymous", **fields}
    return client.post(url, data, REMOTE_ADDR=ip)


def filed_code(response: Any) -> str:
    match = SHOWN_CODE.search(response.content.decode())
    assert match, response.content.decode()[:2000]
    return match.group(1)


def look_up(client: Client, code: str, ip: str = "10.0.0.2", url: str = STATUS) -> Any:
    return client.post(url, {"code": code}, REMOTE_ADDR=ip)


def pass_of(response: Any) -> str:
    match = PASS.search(response.content.decode())
    assert match, "no pass in the page"
    return match.group(1)


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def text_of(response: Any) -> str:
    return response.content.decode()


def nothing_stored() -> bool:
    return not Complaint.objects.exists() and not ComplaintPhoto.objects.exists()


# -- filing -----------------------------------------------------------------------------------------


def test_the_entry_page_offers_complaint_tipoff_lookup_and_answers_and_nothing_per_user(cast: Cast,
                                                                                        client: Client) -> None:
    page = client.get(ENTRY)
    html = text_of(page)
    assert page.status_code == 200
    for href in (f"{NEW}?channel=complaint", f"{NEW}?channel=tipoff", STATUS, ANSWERS):
        assert f'href="{href}"' in html
    assert "12388" in html and "12345" in html
    assert "csrfmiddlewaretoken" not in html and not page.cookies  # a cached page for everybody


def test_an_anonymous_complaint_shows_its_code_once_and_its_photo_is_served_without_gps(
        cast: Cast, client: Client) -> None:
    answer = post_filing(client, photos=[photo_file()])
    html = text_of(answer)
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    code = filed_code(answer)
    reference, secret = code[:8], code[9:].replace("-", "")
    complaint = Complaint.objects.get()
    assert (complaint.reference, complaint.channel, complaint.anonymous) == (reference, "complaint", True)
    assert "请截图或保存图片" in html
    assert "".join(re.findall(r"<span>([0-9A-Z]+)</span>", html)) == code.replace("-", "")  # big, in groups
    if FONT:  # the slip: a PNG, as the image and as the download link named after the reference
        slip = re.search(r'<img class="slip" src="data:image/png;base64,([^"]+)" alt="查询码 ([^"]+)"', html)
        assert slip and slip.group(2) == code
        image = Image.open(io.BytesIO(base64.b64decode(slip.group(1))))
        assert image.format == "PNG" and image.width == 720
        assert f'download="明镜查询码-{reference}.png" href="data:image/png;base64,{slip.group(1)}"' in html
    # The secret is nowhere else: no later page, no event, no audit entry.
    later = [client.get(ENTRY), client.get(STATUS), client.get(ANSWERS)]
    status_page = look_up(client, code)
    assert status_page.status_code == 200 and status_page["Cache-Control"] == "no-store"
    for response in [*later, status_page]:
        assert secret[:5] not in text_of(response) and secret[5:] not in text_of(response)
    stored = json.dumps([list(ComplaintEvent.objects.values("note", "detail")),
                         list(AuditEntry.objects.values("detail"))], ensure_ascii=False, default=str)
    assert secret not in stored and secret[:5] not in stored and secret not in complaint.secret_hash
    # The photo on the status page: re-encoded, no EXIF, no GPS.
    urls = re.findall(r'<img src="(/v/complaints/photo/[^"]+)"', text_of(status_page))
    assert len(urls) == 1
    served = client.get(urls[0])
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "no-store"
    assert b"Exif" not in served.content and b"GPS" not in served.content
    image = Image.open(io.BytesIO(served.content))
    assert not image.getexif() and not image.getexif().get_ifd(0x8825)


def test_without_a_cjk_font_the_code_is_still_shown_as_text(cast: Cast, client: Client,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def no_font() -> posters.Font:
        raise posters.PosterProblem("找不到中文字体", "no Chinese font")

    monkeypatch.setattr(posters, "find_font", no_font)
    slip._font.cache_clear()
    slip._frame_png.cache_clear()
    try:
        answer = post_filing(client)
    finally:
        slip._font.cache_clear()
        slip._frame_png.cache_clear()
    assert answer.status_code == 200 and Complaint.objects.count() == 1
    assert filed_code(answer).startswith(Complaint.objects.get().reference)
    assert "data:image/png" not in text_of(answer) and "请截图或保存图片" in text_of(answer)


def test_a_tipoff_is_filed_from_its_own_form_and_says_it_is_never_public(cast: Cast, client: Client) -> None:
    form = client.get(f"{NEW}?channel=tipoff")
    assert form.status_code == 200 and 'name="channel" value="tipoff"' in text_of(form)
    assert "一律不公开" in text_of(form)
    answer = post_filing(client, channel="tipoff", text="会计挪用集体资金。", people="王五， 赵六")
    assert answer.status_code == 200 and "举报已提交" in text_of(answer)
    complaint = Complaint.objects.get()
    assert complaint.channel == "tipoff" and complaint.people == ["王五", "赵六"]


def test_validation_errors_keep_what_was_typed_and_ask_for_the_photos_again(cast: Cast, client: Client) -> None:
    answer = post_filing(client, text="路灯坏了半年没人修", identity="named", contact_name="张三", contact_phone="",
                         project="亮化工程", people="李四、王五", photos=[photo_file()])
    html = text_of(answer)
    assert answer.status_code == 400 and answer["Cache-Control"] == "no-store"
    assert "路灯坏了半年没人修" in html and 'value="张三"' in html and 'value="亮化工程"' in html
    assert 'value="李四、王五"' in html and 'value="named" id="id_identity_1" required checked' in html
    assert "请填写您的手机号码" in html
    assert "请重新选择照片" in html
    assert nothing_stored()


def test_a_wrong_phone_number_is_refused_in_chinese_and_keeps_the_text(cast: Cast, client: Client) -> None:
    answer = post_filing(client, identity="named", contact_name="张三", contact_phone="12345")
    assert answer.status_code == 400
    assert "请填写 11 位手机号码" in text_of(answer) and TEXT in text_of(answer)
    assert nothing_stored()


def pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\n", content_type="image/jpeg")


@pytest.mark.parametrize(("fields", "words"), [
    ({"text": "字" * 10_000}, "最多 2000 字（您写了 10000 字）"),
    ({"text": ""}, "请填写反映内容"),
    ({"people": "、".join(f"张{n}" for n in "一二三四五六")}, "最多填写 5 人（您填了 6 人）"),
    ({"people": "欧阳" * 11}, "姓名最多 20 个字"),
    ({"photos": [pdf()]}, "第 1 张照片：文件不是图片（检测到：PDF 文档）"),
    ({"photos": [photo_file() for _ in range(5)]}, "最多上传 4 张照片（您选了 5 张）"),
    ({"channel": "gossip"}, "请修改下面标出的内容"),
    ({"category": "bribes"}, "请修改下面标出的内容"),
])
def test_hostile_filings_get_chinese_errors_and_store_nothing(cast: Cast, client: Client, fields: dict[str, Any],
                                                              words: str) -> None:
    answer = post_filing(client, **fields)
    assert answer.status_code == 400
    assert words in text_of(answer)
    assert nothing_stored()


def test_script_in_the_text_is_shown_escaped(cast: Cast, client: Client) -> None:
    answer = post_filing(client, text='<script>alert("x")</script>路灯坏了', identity="named")
    html = text_of(answer)
    assert answer.status_code == 400
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;路灯坏了" in html and "<script>" not in html


def test_a_huge_content_length_is_refused_before_the_body_is_read(cast: Cast, client: Client) -> None:
    answer = client.post(NEW, {"channel": "complaint", "text": TEXT, "identity": "anonymous"},
                         CONTENT_LENGTH=str(10 * 1024**3))
    assert answer.status_code == 413 and "提交的内容太大" in text_of(answer)
    assert nothing_stored()


def test_a_village_code_of_500_characters_is_a_chinese_not_found(cast: Cast, client: Client) -> None:
    for url in (f"/v/{'1' * 500}/complaints/new/", f"/v/{'x' * 500}/complaints/status/"):
        assert client.get(url).status_code == 404
        answer = client.post(url, {"channel": "complaint", "text": TEXT, "identity": "anonymous", "code": "x"})
        assert answer.status_code == 404 and "页面不存在" in text_of(answer)
    assert nothing_stored()


def test_a_huge_photo_is_refused_on_its_size_before_it_is_read(cast: Cast, client: Client) -> None:
    big = photo_file(b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024))
    answer = post_filing(client, photos=[big])
    assert answer.status_code == 400 and "第 1 张照片超过 10 MB" in text_of(answer)
    assert nothing_stored()


@override_settings(COMPLAINT_FILINGS_PER_HOUR=2)
def test_filings_are_rate_limited_per_client(cast: Cast, client: Client) -> None:
    assert post_filing(client, ip="10.9.9.9").status_code == 200
    assert post_filing(client, ip="10.9.9.9").status_code == 200
    refused = post_filing(client, ip="10.9.9.9")
    assert refused.status_code == 429 and "提交过于频繁" in text_of(refused)
    assert Complaint.objects.count() == 2
    assert post_filing(client, ip="10.9.9.10").status_code == 200  # another client


def test_the_filing_form_needs_its_csrf_token(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True)
    form = client.get(NEW)
    assert form["Cache-Control"] == "no-store"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text_of(form))
    assert token
    assert post_filing(client).status_code == 403
    assert nothing_stored()
    assert post_filing(client, csrfmiddlewaretoken=token.group(1)).status_code == 200
    assert look_up(client, "whatever").status_code == 403  # the lookup form too


# -- the status lookup ------------------------------------------------------------------------------


def file_one(client: Client, **fields: Any) -> tuple[Complaint, str]:
    answer = post_filing(client, ip="10.0.0.9", **fields)
    assert answer.status_code == 200
    code = filed_code(answer)
    return Complaint.objects.get(reference=code[:8]), code


def test_a_wrong_code_and_an_unknown_reference_render_byte_identical_pages(cast: Cast, client: Client) -> None:
    complaint, code = file_one(client)
    wrong = f"{complaint.reference}-00000-00000"
    unknown = "ZZZZZZZZ" + code[8:]
    first, second = look_up(client, wrong), look_up(client, unknown)
    assert first.status_code == second.status_code == 200
    assert without_csrf(text_of(first)) == without_csrf(text_of(second))
    assert first["Cache-Control"] == second["Cache-Control"] == "no-store"
    assert "查询码不正确" in text_of(first)
    assert complaint.reference not in text_of(first) and "ZZZZZZZZ" not in text_of(second)


def test_lookups_back_off_after_repeated_failures(cast: Cast, client: Client) -> None:
    complaint, code = file_one(client)
    wrong = f"{complaint.reference}-00000-00000"
    for _ in range(4):  # three free failures, the fourth locks the reference for this client
        look_up(client, wrong, ip="10.1.0.1")
    locked = look_up(client, code, ip="10.1.0.1")
    assert "已暂停查询" in text_of(locked) and "办理进度" not in text_of(locked)
    # Someone else who knows the reference cannot lock its filer out.
    assert "办理进度" in text_of(look_up(client, code, ip="10.1.1.1"))


@override_settings(COMPLAINT_LOOKUPS_PER_MINUTE=2)
def test_lookups_are_rate_limited_per_client(cast: Cast, client: Client) -> None:
    _, code = file_one(client)
    assert look_up(client, code, ip="10.2.2.2").status_code == 200
    look_up(client, code, ip="10.2.2.2")
    refused = look_up(client, code, ip="10.2.2.2")
    assert refused.status_code == 429 and "查询过于频繁" in text_of(refused)


def test_a_code_opens_its_complaint_on_any_village_page(cast: Cast, client: Client) -> None:
    Organisation.objects.create(kind="village", name="西山村", region_code=OTHER_VILLAGE)
    complaint, code = file_one(client)
    page = look_up(client, code, url=f"/v/{OTHER_VILLAGE}/complaints/status/")
    assert page.status_code == 200 and complaint.reference in text_of(page) and "东风村" in text_of(page)


def test_adding_information_and_rating_not_resolved_reopen_the_complaint(cast: Cast, client: Client) -> None:
    complaint, code = file_one(client)
    page = look_up(client, code)
    added = client.post(ADD, {"pass": pass_of(page), "text": "路面又裂开了，附照片。", "photos": [photo_file()]})
    assert added.status_code == 200 and "已补充" in text_of(added)
    assert complaint.events.filter(kind="information_added").count() == 1 and complaint.photos.count() == 1
    actions.do_accept(complaint=complaint, user=cast.tom, category="project", handler=cast.village)
    actions.do_answer(complaint=complaint, user=cast.victor, answer="已安排下月返修。")
    page = look_up(client, code)
    html = text_of(page)
    assert "已安排下月返修。" in html and 'action="/v/110101001201/complaints/status/rate/"' in html
    assert "重新办理一次" in html  # what "not resolved" does, said before choosing
    rated = client.post(RATE, {"pass": pass_of(page), "rating": "not_resolved", "comment": "还是没修"})
    assert rated.status_code == 200 and rated["Cache-Control"] == "no-store"
    complaint.refresh_from_db()
    assert (complaint.status, complaint.reopened_count) == (Complaint.Status.ACCEPTED, 1)
    html = text_of(rated)
    assert "已重新办理" in html and "您评价答复：未解决" in html
    assert 'action="/v/110101001201/complaints/status/rate/"' not in html  # nothing to rate any more
    assert lookup.complaint_for_pass(pass_of(rated)) == complaint  # a fresh pass with each page
    assert "还是没修" not in html  # what the villager wrote is not read back out


def test_rating_satisfied_closes_it(cast: Cast, client: Client) -> None:
    complaint, code = file_one(client)
    actions.do_accept(complaint=complaint, user=cast.tom, category="project", handler=cast.village)
    actions.do_answer(complaint=complaint, user=cast.victor, answer="已返修。")
    rated = client.post(RATE, {"pass": pass_of(look_up(client, code)), "rating": "satisfied"})
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED and "此件已办结" in text_of(rated)


def test_a_forged_or_expired_pass_asks_for_the_code_again(cast: Cast, client: Client) -> None:
    complaint, _ = file_one(client)
    actions.do_accept(complaint=complaint, user=cast.tom, category="project", handler=cast.village)
    actions.do_answer(complaint=complaint, user=cast.victor, answer="已返修。")
    forged = signing.dumps({"c": complaint.pk}, salt="something else")
    with mock.patch("django.core.signing.time.time", return_value=time.time() - lookup.PASS_SECONDS - 60):
        expired = lookup.issue_pass(complaint)
    for token in (forged, expired, "", "x" * 500):
        refused = client.post(RATE, {"pass": token, "rating": "satisfied"})
        assert refused.status_code == 403 and "请重新输入查询码" in text_of(refused)
        refused = client.post(ADD, {"pass": token, "text": "补充"})
        assert refused.status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ANSWERED and complaint.rating == ""
    assert not complaint.events.filter(kind="information_added").exists()


def test_a_photo_address_is_good_for_its_own_photo_only(cast: Cast, client: Client) -> None:
    complaint, _ = file_one(client, photos=[photo_file()])
    photo = complaint.photos.get()
    assert client.get(f"/v/complaints/photo/{signing.dumps({'p': photo.pk, 'c': complaint.pk})}/").status_code == 404
    with mock.patch("django.core.signing.time.time", return_value=time.time() - lookup.PASS_SECONDS - 60):
        old = signing.dumps({"p": photo.pk, "c": complaint.pk}, salt="mingjing.complaints.photo")
    assert client.get(f"/v/complaints/photo/{old}/").status_code == 404


def test_a_tipoffs_original_photo_is_never_reachable_from_public_urls(cast: Cast, client: Client) -> None:
    complaint, code = file_one(client, channel="tipoff", text="会计在村委会收钱。", photos=[photo_file()])
    photo = complaint.photos.get()
    assert photo.original and b"Exif" in photo.original.read()  # kept, for the assigned staff
    pages = [look_up(client, code), client.get(ANSWERS), client.get(ENTRY)]
    html = "".join(text_of(p) for p in pages)
    assert str(photo.original.name) not in html and "originals" not in html
    urls = re.findall(r'<img src="(/v/complaints/photo/[^"]+)"', html)
    assert len(urls) == 1
    served = client.get(urls[0]).content
    assert served == photo.shown.open("rb").read() and b"Exif" not in served
    assert client.get(f"/media/{photo.original.name}").status_code == 404


def test_no_public_page_shows_the_contact_phone(cast: Cast, client: Client) -> None:
    complaint, code = file_one(client, identity="named", contact_name="张三", contact_phone="139 1234 5678")
    assert complaint.contact_phone == "13912345678"
    actions.do_accept(complaint=complaint, user=cast.tom, category="project", handler=cast.village)
    actions.do_answer(complaint=complaint, user=cast.victor, answer="已返修。")
    actions.do_publish(complaint=complaint, user=cast.tom, public_text="反映修路质量差", public_answer="已返修")
    pages = [look_up(client, code), client.get(ANSWERS), client.get(ENTRY), client.get(STATUS)]
    for page in pages:
        assert not PHONE.findall(text_of(page)) and "5678" not in text_of(page) and "张三" not in text_of(page)


# -- published answers ------------------------------------------------------------------------------


def test_the_published_answers_page_shows_only_published_complaints_and_never_tipoffs(
        cast: Cast, client: Client) -> None:
    def answered(channel: str, text: str) -> Complaint:
        c = actions.do_file_complaint(channel=channel, village_code=VILLAGE, text=text)
        actions.do_accept(complaint=c.complaint, user=cast.tom, category="project", handler=cast.township)
        return actions.do_answer(complaint=c.complaint, user=cast.tom, answer="已核实。")

    published = answered("complaint", "修路的钱没有公开。")
    assert "暂无公开答复" in text_of(client.get(ANSWERS))
    actions.do_publish(complaint=published, user=cast.tom, public_text='反映修路<b>资金</b>未公开',
                       public_answer="已在村务栏公开明细。")
    answered("complaint", "没有公开的那一件。")
    tipoff = answered("tipoff", "会计挪用资金。")
    Complaint.objects.filter(pk=tipoff.pk).update(published_at=timezone.now(), public_text="举报某会计",
                                                  public_answer="不该出现")  # even if it were marked
    page = client.get(ANSWERS)
    html = text_of(page)
    assert page.status_code == 200
    assert "反映修路&lt;b&gt;资金&lt;/b&gt;未公开" in html and "已在村务栏公开明细。" in html and "工程" in html
    assert "没有公开的那一件" not in html and "举报某会计" not in html and "不该出现" not in html
    assert "修路的钱没有公开" not in html  # the villager's own words are not what is published
    assert client.get(ANSWERS + "?page=99999999999").status_code == 200


# -- the transfer callback --------------------------------------------------------------------------


@pytest.fixture
def transferred(cast: Cast, settings: Any, monkeypatch: pytest.MonkeyPatch,
                django_capture_on_commit_callbacks: Any) -> tuple[Complaint, str]:
    """A complaint transferred to 12345, and the callback path its webhook was sent."""
    settings.COMPLAINT_TRANSFER_WEBHOOKS = {"12345热线": "http://127.0.0.1:9/transfer"}
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(actions, "post_json", lambda url, payload, **kw: sent.append(payload))
    c = actions.do_file_complaint(channel="complaint", village_code=VILLAGE, text="河道有人倒垃圾。").complaint
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_transfer(complaint=c, user=cast.tom, body="12345热线", reason="属环境卫生，转 12345 办理")
    callback = sent[0]["callback"]
    return c, callback[callback.index("/v/"):]


def post_json(client: Client, path: str, body: Any, ip: str = "10.3.3.3", **extra: Any) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return client.post(path, data, content_type="application/json", REMOTE_ADDR=ip, **extra)


def test_the_transfer_callback_records_the_answer_once(transferred: tuple[Complaint, str], client: Client) -> None:
    complaint, path = transferred
    answer = post_json(client, path, {"answer": "已清理河道并设置监控。", "handled_by": "区城管局"})
    assert answer.status_code == 200 and answer.json() == {"ok": True, "reference": complaint.reference}
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ANSWERED and complaint.answer == "已清理河道并设置监控。"
    again = post_json(client, path, {"answer": "第二次"})
    assert again.status_code == 409 and again.json()["error"] and again.json()["error_en"]
    complaint.refresh_from_db()
    assert complaint.answer == "已清理河道并设置监控。"


def test_the_villager_reads_the_other_bodys_answer_with_the_code(cast: Cast, client: Client, settings: Any,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 django_capture_on_commit_callbacks: Any) -> None:
    complaint, code = file_one(client)
    settings.COMPLAINT_TRANSFER_WEBHOOKS = {"12345热线": "http://127.0.0.1:9/transfer"}
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(actions, "post_json", lambda url, payload, **kw: sent.append(payload))
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_transfer(complaint=complaint, user=cast.tom, body="12345热线", reason="不属纪检监察职责")
    assert "已转交12345热线" in text_of(look_up(client, code))
    path = sent[0]["callback"][sent[0]["callback"].index("/v/"):]
    assert post_json(client, path, {"answer": "路灯已修好。", "handled_by": "区城管局"}).status_code == 200
    html = text_of(look_up(client, code))
    assert "区城管局的答复" in html and "路灯已修好。" in html and 'action="/v/110101001201/complaints/status/rate/"' in html


def test_the_transfer_callback_refuses_bad_json_in_both_languages(transferred: tuple[Complaint, str],
                                                                  client: Client) -> None:
    complaint, path = transferred
    for body in (b"{not json", b"\xff\xfe", json.dumps([1, 2]).encode(), json.dumps({"answer": 5}).encode(),
                 json.dumps({"answer": "好", "handled_by": ["x"]}).encode(), json.dumps({"answer": ""}).encode()):
        answer = post_json(client, path, body)
        assert answer.status_code == 400, body
        assert set(answer.json()) == {"error", "error_en"}
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.TRANSFERRED


def test_the_transfer_callback_refuses_oversize_bodies(transferred: tuple[Complaint, str], client: Client) -> None:
    complaint, path = transferred
    assert post_json(client, path, {"answer": "长" * 6000}).status_code == 413  # 18 KB of UTF-8
    assert post_json(client, path, {"answer": "好"}, CONTENT_LENGTH=str(10 * 1024**3)).status_code == 413
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.TRANSFERRED


def test_the_transfer_callback_answers_404_for_an_unknown_token_and_405_for_get(
        transferred: tuple[Complaint, str], client: Client) -> None:
    unknown = post_json(client, "/v/complaints/transfer/not-a-token/", {"answer": "好"})
    assert unknown.status_code == 404 and unknown.json()["error_en"] == "no such transfer"
    _, path = transferred
    assert client.get(path).status_code == 405


def test_the_transfer_callback_is_rate_limited_per_client(cast: Cast, client: Client) -> None:
    codes = [post_json(client, f"/v/complaints/transfer/t{n}/", {"answer": "好"}, ip="10.4.4.4").status_code
             for n in range(31)]
    assert codes[:30] == [404] * 30 and codes[30] == 429
