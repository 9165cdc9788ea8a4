"""投诉管理 through HTTP: who sees which complaints, colour counts and filters, my tasks, the detail
with its actions as plain form posts, photos, the linked data panel, the export, and the trail.

Personas (tests/alerts_fixtures.py): alice county commission (administrator), tom township 001,
olga township 002, dora 民政局, fred 财政局, victor village 001-201.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from mingjing.accounts import policy
from mingjing.accounts.models import Organisation
from mingjing.alerts.models import Alert
from mingjing.audit.models import AuditEntry
from mingjing.complaints import actions, queries
from mingjing.complaints.models import Complaint, ComplaintPhoto
from tests.alerts_fixtures import VILLAGE, Cast, engine_hit, make_cast, run_with

pytestmark = pytest.mark.django_db

ELSEWHERE = "110101002201"  # a village of olga's township
PHONE = "13912345678"


@pytest.fixture
def cast(alice: User) -> Cast:
    cast = make_cast(alice)
    Organisation.objects.create(kind="village", name="西河村", region_code=ELSEWHERE)
    return cast


def file(channel: str = "complaint", text: str = "村里修路的钱一直没有公开，工程质量也很差。", *,
         village: str = VILLAGE, **kw: Any) -> Complaint:
    complaint = actions.do_file_complaint(channel=channel, village_code=village, text=text, **kw).complaint
    # Repeats are grouped by the suggested category; these tests set repeat groups themselves.
    Complaint.objects.update(repeat_of=None, repeat_flagged=False)
    complaint.refresh_from_db()
    return complaint


def as_user(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def listed(response: Any) -> set[int]:
    assert response.status_code == 200
    return {int(n) for n in re.findall(r'data-complaint="(\d+)"', response.content.decode())}


def count(response: Any, colour: str) -> int:
    found = re.search(rf'id="count-{colour}" data-n="(\d+)"', response.content.decode())
    assert found, colour
    return int(found.group(1))


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 5.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def world(cast: Cast) -> dict[str, Complaint]:
    """ours: submitted, village 001-201, named complainant; village: routed to victor's village;
    welfare: routed to 民政局; tipoff: a tip-off about victor's village (tom's); elsewhere: olga's."""
    ours = file(anonymous=False, contact_name="张三", contact_phone=PHONE)
    village = file(text="村里的集体鱼塘承包费去向不明。", anonymous=False, contact_name="李四", contact_phone="13700001111")
    actions.do_accept(complaint=village, user=cast.tom, category="assets", handler=cast.village)
    welfare = file(text="低保名单里有村干部的亲戚。", anonymous=False, contact_name="王五", contact_phone="13600002222")
    actions.do_accept(complaint=welfare, user=cast.tom, category="welfare", handler=cast.civil_affairs)
    tipoff = file("tipoff", "村支书收了低保户的钱才给办手续。", people=["赵大"], anonymous=False, contact_name="钱七",
                  contact_phone="13500003333")
    elsewhere = file(village=ELSEWHERE, text="西河村的路灯坏了半年没人修。")
    found = {"ours": ours, "village": village, "welfare": welfare, "tipoff": tipoff, "elsewhere": elsewhere}
    for c in found.values():
        c.refresh_from_db()
    return found


# -- who sees what --------------------------------------------------------------------------------


@pytest.mark.parametrize(("persona", "expected"), [
    ("alice", {"ours", "village", "welfare", "elsewhere"}),  # the county: every complaint, no tip-off routed elsewhere
    ("tom", {"ours", "village", "welfare", "tipoff"}),
    ("olga", {"elsewhere"}),
    ("victor", {"village"}),
    ("dora", {"welfare"}),
    ("fred", set()),
])
def test_each_persona_lists_exactly_the_complaints_it_may_see(
    persona: str, expected: set[str], cast: Cast, world: dict[str, Complaint], client: Client
) -> None:
    response = as_user(client, getattr(cast, persona)).get("/console/complaints/")
    assert listed(response) == {world[name].pk for name in expected}
    assert sum(count(response, c) for c in ("red", "yellow", "green")) == len(expected)
    for name, c in world.items():
        status = client.get(f"/console/complaints/{c.pk}/").status_code
        assert status == (200 if name in expected else 404), (persona, name)


def test_colour_counts_and_the_overdue_count_follow_the_status_and_deadlines(
    cast: Cast, world: dict[str, Complaint], client: Client
) -> None:
    as_user(client, cast.tom)
    response = client.get("/console/complaints/")
    assert (count(response, "red"), count(response, "yellow"), count(response, "green")) == (2, 2, 0)
    assert count(response, "overdue") == 0
    Complaint.objects.filter(pk=world["welfare"].pk).update(answer_due=timezone.now() - dt.timedelta(days=1))
    response = client.get("/console/complaints/")
    assert count(response, "overdue") == 1
    assert listed(client.get("/console/complaints/?overdue=1")) == {world["welfare"].pk}
    body = client.get(f"/console/complaints/{world['welfare'].pk}/").content.decode()
    assert 'id="due-overdue"' in body
    colour = client.get("/console/complaints/?colour=yellow")
    assert listed(colour) == {world["village"].pk, world["welfare"].pk}
    assert count(colour, "red") == 2  # the counts leave the colour out: the other colours stay one tap away


def test_the_filters_narrow_the_list(cast: Cast, world: dict[str, Complaint], client: Client) -> None:
    as_user(client, cast.tom)
    assert listed(client.get("/console/complaints/?channel=tipoff")) == {world["tipoff"].pk}
    assert listed(client.get("/console/complaints/?status=accepted")) == {world["village"].pk, world["welfare"].pk}
    Complaint.objects.update(suggested_category="other")  # not what the classifier thinks today
    Complaint.objects.filter(pk=world["tipoff"].pk).update(suggested_category="conduct")
    assert listed(client.get("/console/complaints/?category=welfare")) == {world["welfare"].pk}  # confirmed
    assert listed(client.get("/console/complaints/?category=conduct")) == {world["tipoff"].pk}  # suggested only
    assert listed(client.get("/console/complaints/?category=other")) == {world["ours"].pk}  # confirmed wins
    Complaint.objects.filter(pk=world["village"].pk).update(repeat_flagged=True)
    assert listed(client.get("/console/complaints/?repeat=on")) == {world["village"].pk}
    january = dt.datetime(2025, 1, 15, 10, tzinfo=timezone.get_current_timezone())
    Complaint.objects.filter(pk=world["ours"].pk).update(created_at=january)
    assert listed(client.get("/console/complaints/?since=2025-01-01&until=2025-01-31")) == {world["ours"].pk}
    assert listed(client.get("/console/complaints/?since=2025-01-16")) == {
        world["village"].pk, world["welfare"].pk, world["tipoff"].pk}
    as_user(client, cast.alice)
    assert listed(client.get("/console/complaints/?township=110101002000")) == {world["elsewhere"].pk}
    assert listed(client.get(f"/console/complaints/?village={VILLAGE}&channel=complaint")) == {
        world["ours"].pk, world["village"].pk, world["welfare"].pk}


def test_bogus_filters_and_absurd_pages_answer_a_page_not_an_error(
    cast: Cast, world: dict[str, Complaint], client: Client
) -> None:
    as_user(client, cast.tom)
    everything = {world[n].pk for n in ("ours", "village", "welfare", "tipoff")}
    for query in ("status=bogus&channel=<script>&category=x' OR 1=1&colour=purple",
                  "township=abc&village=99999999999999999999&since=notadate&until=1800-01-01",
                  "since=99999-01-01&until=2025-02-30&mine=false&overdue=false&repeat=",
                  "page=999999999999", "page=-1", "page=abc", "page=1e9"):
        response = client.get(f"/console/complaints/?{query}")
        assert response.status_code == 200, query
        assert listed(response) == everything, query
    assert client.get("/console/complaints/export.xlsx?since=notadate&page=999999999999").status_code == 200
    assert client.get("/console/complaints/?township=110101002000").status_code == 200  # not hers: an empty list
    assert listed(client.get("/console/complaints/?township=110101002000")) == set()


def test_a_tipoff_is_invisible_to_the_village_and_departments_even_about_their_village(
    cast: Cast, world: dict[str, Complaint], client: Client
) -> None:
    tipoff = world["tipoff"]
    Complaint.objects.filter(pk=tipoff.pk).update(handler=cast.township, status=Complaint.Status.ACCEPTED)
    for persona in ("victor", "dora", "fred", "olga", "alice"):
        as_user(client, getattr(cast, persona))
        assert tipoff.pk not in listed(client.get("/console/complaints/?channel=tipoff"))
        for url in (f"/console/complaints/{tipoff.pk}/", f"/console/complaints/{tipoff.pk}/linked/"):
            assert client.get(url).status_code == 404, (persona, url)
        assert client.post(f"/console/complaints/{tipoff.pk}/note/", {"note-note": "看看"}).status_code == 404
    assert not AuditEntry.objects.filter(action="complaint.view").exists()


def test_every_detail_view_of_a_tipoff_is_recorded_and_its_text_stays_off_the_list(
    cast: Cast, world: dict[str, Complaint], client: Client
) -> None:
    tipoff = world["tipoff"]
    as_user(client, cast.tom)
    listing = client.get("/console/complaints/").content.decode()
    assert "村支书收了低保户的钱" not in listing and "修路的钱" in listing
    for _ in range(2):
        assert "村支书收了低保户的钱" in client.get(f"/console/complaints/{tipoff.pk}/").content.decode()
    views = AuditEntry.objects.filter(action="complaint.view", object_id=str(tipoff.pk))
    assert views.count() == 2 and {e.actor_id for e in views} == {cast.tom.pk}
    assert views.first().detail["reference"] == tipoff.reference  # type: ignore[union-attr]
    client.get(f"/console/complaints/{world['ours'].pk}/")
    assert AuditEntry.objects.filter(action="complaint.view").count() == 2  # complaints' views are not tip-off views


def test_the_complainants_phone_is_shown_to_the_commission_only(
    cast: Cast, world: dict[str, Complaint], client: Client
) -> None:
    village, welfare = world["village"], world["welfare"]
    tom_page = as_user(client, cast.tom).get(f"/console/complaints/{village.pk}/").content.decode()
    assert "13700001111" in tom_page and "李四" in tom_page
    assert AuditEntry.objects.filter(action="complaint.view_contact", object_id=str(village.pk)).count() == 1
    for persona, complaint, phone, name in (("victor", village, "13700001111", "李四"),
                                            ("dora", welfare, "13600002222", "王五")):
        as_user(client, getattr(cast, persona))
        for url in ("/console/complaints/", f"/console/complaints/{complaint.pk}/",
                    f"/console/complaints/{complaint.pk}/linked/"):
            body = client.get(url).content.decode()
            assert phone not in body and phone[-4:] not in body and name not in body, (persona, url)
        assert 'id="no-contact"' in client.get(f"/console/complaints/{complaint.pk}/").content.decode()
    assert AuditEntry.objects.filter(action="complaint.view_contact").count() == 1


def test_the_nav_links_to_the_complaints_for_every_role(cast: Cast, world: dict[str, Complaint], client: Client) -> None:
    for persona in ("alice", "victor", "dora"):
        body = as_user(client, getattr(cast, persona)).get("/console/complaints/").content.decode()
        assert re.search(r'href="/console/complaints/" aria-current="page"', body), persona
    assert client.get("/console/complaints/tasks/")["Location"].endswith("/console/complaints/?mine=1")


def test_pages_need_a_signed_in_staff_member(world: dict[str, Complaint], client: Client) -> None:
    for url in ("/console/complaints/", f"/console/complaints/{world['ours'].pk}/", "/console/complaints/export.xlsx"):
        assert client.get(url).status_code == 302
    villager = User.objects.create_user("villager", password="x")
    as_user(client, villager)
    assert client.get("/console/complaints/").status_code == 403


# -- the actions, as plain form posts ------------------------------------------------------------


def post(client: Client, complaint: Complaint, action: str, **data: Any) -> Any:
    return client.post(f"/console/complaints/{complaint.pk}/{action}/", {f"{action}-{k}": v for k, v in data.items()})


def timeline(client: Client, complaint: Complaint) -> list[str]:
    return re.findall(r'<li data-kind="(\w+)"', client.get(f"/console/complaints/{complaint.pk}/").content.decode())


def test_accept_routes_to_the_categorys_default_handler_and_the_wrong_people_are_refused(
    cast: Cast, world: dict[str, Complaint], client: Client
) -> None:
    ours = world["ours"]
    assert post(as_user(client, cast.olga), ours, "accept", category="project").status_code == 404
    village = world["village"]
    refused = post(as_user(client, cast.victor), village, "accept", category="project")
    assert refused.status_code == 403 and "您现在不能对此件执行" in refused.content.decode()
    as_user(client, cast.tom)
    page = client.get(f"/console/complaints/{ours.pk}/").content.decode()
    assert 'id="action-accept"' in page and 'id="action-transfer"' not in page  # no transfer body configured
    response = post(client, ours, "accept", category="welfare", handler="", note="已受理，转民政局办理。")
    assert response.status_code == 302 and response["Location"] == f"/console/complaints/{ours.pk}/"
    ours.refresh_from_db()
    assert (ours.status, ours.category, ours.handler) == (Complaint.Status.ACCEPTED, "welfare", cast.civil_affairs)
    second = file(text="村里招工只招自己人。")
    post(client, second, "accept", category="labour")
    second.refresh_from_db()
    assert second.handler == cast.village
    third = file(text="村干部吃拿卡要。")
    post(client, third, "accept", category="conduct")
    third.refresh_from_db()
    assert third.handler == cast.township
    tipoff = world["tipoff"]
    post(client, tipoff, "accept", category="project")  # a tip-off goes to a commission, never the village
    tipoff.refresh_from_db()
    assert tipoff.handler == cast.township
    assert "accepted" in timeline(client, ours)


def test_hostile_action_inputs_are_refused_without_a_server_error(
    cast: Cast, world: dict[str, Complaint], client: Client
) -> None:
    other_village = Organisation.objects.get(region_code=ELSEWHERE)
    ours, village = world["ours"], world["village"]
    as_user(client, cast.tom)
    assert post(client, ours, "accept", category="project", handler=other_village.pk).status_code == 400
    assert post(client, ours, "accept", category="bogus").status_code == 400
    assert post(client, ours, "accept", category="project", handler="abc").status_code == 400
    assert post(client, village, "reassign", handler=other_village.pk, reason="试试").status_code == 400
    assert post(client, ours, "no_such_action").status_code == 404
    assert client.get(f"/console/complaints/{ours.pk}/accept/").status_code == 405
    as_user(client, cast.victor)
    assert post(client, village, "extend", days=99, reason="太忙").status_code == 400
    assert post(client, village, "extend", days=0, reason="太忙").status_code == 400
    assert post(client, village, "extend", days="1e3", reason="太忙").status_code == 400
    assert post(client, village, "answer", answer="长" * 3000).status_code == 400
    assert post(client, village, "note", note="字" * 3000).status_code == 400
    ours.refresh_from_db()
    village.refresh_from_db()
    assert ours.status == Complaint.Status.SUBMITTED and ours.handler is None
    assert village.handler == cast.village and not village.extended and not village.answer
    assert post(client, village, "extend", days=10, reason="需要现场测量").status_code == 302
    again = post(client, village, "extend", days=1, reason="再延")  # one extension only
    assert again.status_code == 403
    village.refresh_from_db()
    assert village.extended


def test_reject_needs_a_reason_that_the_villager_reads(cast: Cast, world: dict[str, Complaint], client: Client) -> None:
    ours = world["ours"]
    as_user(client, cast.tom)
    assert post(client, ours, "reject", reason="").status_code == 400
    assert post(client, ours, "reject", reason="不属于纪检监察受理范围。").status_code == 302
    ours.refresh_from_db()
    assert ours.status == Complaint.Status.REJECTED and ours.reject_reason == "不属于纪检监察受理范围。"
    assert "不属于纪检监察受理范围" in client.get(f"/console/complaints/{ours.pk}/").content.decode()


def test_transfer_and_the_other_bodys_answer(
    cast: Cast, world: dict[str, Complaint], client: Client, settings: LazySettings
) -> None:
    settings.COMPLAINT_TRANSFER_WEBHOOKS = {"12345热线": "http://127.0.0.1:9/transfer"}
    ours, tipoff = world["ours"], world["tipoff"]
    as_user(client, cast.tom)
    assert 'id="action-transfer"' not in client.get(f"/console/complaints/{tipoff.pk}/").content.decode()
    assert post(client, tipoff, "transfer", body="12345热线", reason="试试").status_code == 403
    assert post(client, ours, "transfer", body="网格平台", reason="不属于").status_code == 400
    assert post(client, ours, "transfer", body="12345热线", reason="属于市政维修事项。").status_code == 302
    ours.refresh_from_db()
    assert (ours.status, ours.transfer_body) == (Complaint.Status.TRANSFERRED, "12345热线")
    assert post(as_user(client, cast.victor), ours, "record_transfer_answer", answer="已修").status_code == 404
    as_user(client, cast.tom)
    assert post(client, ours, "record_transfer_answer", answer="路灯已于本周修复。", handled_by="市政所").status_code == 302
    ours.refresh_from_db()
    assert ours.status == Complaint.Status.ANSWERED and ours.answer == "路灯已于本周修复。"
    assert timeline(client, ours)[-2:] == ["transferred", "transfer_answered"]


def test_answer_reopen_review_and_publish_through_the_pages(
    cast: Cast, world: dict[str, Complaint], client: Client
) -> None:
    village = world["village"]
    Complaint.objects.filter(pk=village.pk).update(people=["赵六"], text="赵六把鱼塘承包费装进了自己口袋。")
    village.refresh_from_db()
    as_user(client, cast.victor)
    page = client.get(f"/console/complaints/{village.pk}/").content.decode()
    assert 'id="action-answer"' in page and "张某" in page  # the public version's help tells how to redact
    assert post(client, village, "answer", answer="赵六已退回承包费。", public_answer="赵某已退回承包费。").status_code == 302
    village.refresh_from_db()
    assert village.status == Complaint.Status.ANSWERED and village.public_answer == "赵某已退回承包费。"
    actions.do_rate(complaint=village, rating="not_resolved")
    page = client.get(f"/console/complaints/{village.pk}/").content.decode()
    assert "赵六已退回承包费。</textarea>" in page  # the second answer starts from the first
    assert post(client, village, "answer", answer="赵六已全额退回，附收据。", public_answer="赵某已全额退回。").status_code == 302
    assert post(client, village, "review", decision="approve").status_code == 403  # never one's own level
    as_user(client, cast.tom)
    assert post(client, village, "review", decision="return", note="").status_code == 400
    assert post(client, village, "review", decision="return", note="请附收据照片。").status_code == 302
    village.refresh_from_db()
    assert village.status == Complaint.Status.ACCEPTED
    post(as_user(client, cast.victor), village, "answer", answer="赵六已全额退回，收据已上传。", public_answer="赵某已全额退回。")
    assert post(as_user(client, cast.tom), village, "review", decision="approve").status_code == 302
    village.refresh_from_db()
    assert village.status == Complaint.Status.ANSWERED
    page = client.get(f"/console/complaints/{village.pk}/").content.decode()
    assert "赵某把鱼塘承包费装进了自己口袋。</textarea>" in page  # pre-filled, the name redacted
    response = post(client, village, "publish", public_text="赵六把鱼塘承包费装进了自己口袋。", public_answer="已退回。")
    assert response.status_code == 302
    assert "公开内容中仍有被反映人姓名" in client.get(response["Location"]).content.decode()
    village.refresh_from_db()
    assert village.published_at is None
    assert post(client, village, "publish", public_text="赵某把鱼塘承包费装进了自己口袋。", public_answer="已全额退回。").status_code == 302
    village.refresh_from_db()
    assert village.published_at is not None and village.public_text == "赵某把鱼塘承包费装进了自己口袋。"
    kinds = timeline(client, village)
    assert kinds[-5:] == ["answered", "review_returned", "answered", "review_approved", "published"]


def test_reassign_note_categorise_and_open_an_alert(cast: Cast, world: dict[str, Complaint], client: Client) -> None:
    village = world["village"]
    assert post(as_user(client, cast.victor), village, "reassign", handler=cast.finance.pk, reason="x").status_code == 403
    assert post(client, village, "note", note="已约谈村会计。").status_code == 302
    as_user(client, cast.tom)
    assert post(client, village, "reassign", handler=cast.finance.pk, reason="涉及财政资金。").status_code == 302
    village.refresh_from_db()
    assert village.handler == cast.finance
    assert as_user(client, cast.victor).get(f"/console/complaints/{village.pk}/").status_code == 404  # no longer his
    as_user(client, cast.tom)
    assert post(client, village, "categorise", category="project").status_code == 302
    village.refresh_from_db()
    assert village.category == "project" and village.category_confirmed_at is not None
    assert post(client, village, "open_alert", level="urgent").status_code == 400
    assert post(client, village, "open_alert", level="high").status_code == 302
    village.refresh_from_db()
    assert isinstance(village.alert, Alert) and village.alert.level == "high"
    page = client.get(f"/console/complaints/{village.pk}/").content.decode()
    assert f'href="/console/alerts/{village.alert.pk}/"' in page and 'id="action-open_alert"' not in page
    assert client.get(f"/console/alerts/{village.alert.pk}/").status_code == 200
    assert timeline(client, village)[-4:] == ["note", "reassigned", "categorised", "alert_opened"]
    note = re.search(r'data-kind="note">.*?</li>', client.get(f"/console/complaints/{village.pk}/").content.decode(), re.S)
    assert note and "已约谈村会计。" in note.group(0) and "victor" in note.group(0)  # the timeline names its actors


def test_each_action_is_refused_to_a_persona_who_may_not_do_it(
    cast: Cast, world: dict[str, Complaint], client: Client, settings: LazySettings
) -> None:
    """The village handles its complaint but neither triages nor reviews it; the township
    commission triages it but does not answer for the village; others do not see it at all."""
    settings.COMPLAINT_TRANSFER_WEBHOOKS = {"12345": "http://127.0.0.1:9/"}
    village = world["village"]
    before = [Complaint.objects.filter(pk=village.pk).values().get(), village.events.count()]
    triage_only: dict[str, dict[str, Any]] = {"accept": {"category": "project"}, "reject": {"reason": "x"},
                   "transfer": {"body": "12345", "reason": "x"}, "reassign": {"handler": cast.finance.pk, "reason": "x"},
                   "categorise": {"category": "project"}, "open_alert": {"level": "low"},
                   "publish": {"public_text": "x", "public_answer": "x"}, "review": {"decision": "approve"},
                   "record_transfer_answer": {"answer": "x"}}
    as_user(client, cast.victor)
    for action, data in triage_only.items():
        response = post(client, village, action, **data)
        assert response.status_code == 403 and "您现在不能对此件执行" in response.content.decode(), action
    as_user(client, cast.tom)
    handler_only: dict[str, dict[str, Any]] = {"answer": {"answer": "x"}, "extend": {"days": 1, "reason": "x"}}
    for action, data in handler_only.items():
        assert post(client, village, action, **data).status_code == 403, action
    for persona in ("olga", "fred", "dora"):
        assert post(as_user(client, getattr(cast, persona)), village, "note", note="x").status_code == 404
    assert [Complaint.objects.filter(pk=village.pk).values().get(), village.events.count()] == before


# -- my tasks -------------------------------------------------------------------------------------


@pytest.fixture
def every_state(cast: Cast, settings: LazySettings) -> dict[str, Complaint]:
    """A complaint in every state and routing the tasks condition has to tell apart."""
    settings.COMPLAINT_TRANSFER_WEBHOOKS = {"12345": "http://127.0.0.1:9/"}
    tom, alice, victor = cast.tom, cast.alice, cast.victor
    s: dict[str, Complaint] = {}
    s["submitted"] = file()
    s["escalated"] = file(text="村里账目半年没公开。")
    Complaint.objects.filter(pk=s["escalated"].pk).update(escalated_to=cast.county)
    s["tipoff"] = file("tipoff", "会计挪用集体资金。")
    for name, handler in (("at_village", cast.village), ("at_bureau", cast.civil_affairs), ("at_township", cast.township)):
        s[name] = file(text=f"{name} 的事情。")
        actions.do_accept(complaint=s[name], user=tom, category="other", handler=handler)
    s["review_village"] = file(text="村道硬化偷工减料。")
    actions.do_accept(complaint=s["review_village"], user=tom, category="project", handler=cast.village)
    actions.do_answer(complaint=s["review_village"], user=victor, answer="已整改。")
    actions.do_rate(complaint=s["review_village"], rating="not_resolved")
    actions.do_answer(complaint=s["review_village"], user=victor, answer="已返工。")
    s["review_township"] = file(text="镇上的补贴发放不透明。")
    actions.do_accept(complaint=s["review_township"], user=tom, category="other", handler=cast.township)
    actions.do_answer(complaint=s["review_township"], user=tom, answer="已核实。")
    actions.do_rate(complaint=s["review_township"], rating="not_resolved")
    actions.do_answer(complaint=s["review_township"], user=tom, answer="已再次核实。")
    s["answered"] = file(text="村里的公章随便用。")
    actions.do_accept(complaint=s["answered"], user=tom, category="conduct", handler=cast.township)
    actions.do_answer(complaint=s["answered"], user=tom, answer="已规范用章。")
    s["closed"] = file(text="村里的低保评议没开会。")
    actions.do_accept(complaint=s["closed"], user=tom, category="welfare", handler=cast.civil_affairs)
    actions.do_answer(complaint=s["closed"], user=cast.dora, answer="已重新评议。")
    actions.do_rate(complaint=s["closed"], rating="satisfied")
    s["rejected"] = file(text="邻居家的狗太吵。")
    actions.do_reject(complaint=s["rejected"], user=tom, reason="不属于受理范围。")
    s["transferred"] = file(text="河里有人电鱼。")
    actions.do_transfer(complaint=s["transferred"], user=tom, body="12345", reason="生态环境事项。")
    s["elsewhere"] = file(village=ELSEWHERE, text="西河村的账目不公开。")
    tom.first_name = "王建国"
    tom.save()
    s["recused"] = file("tipoff", "王建国收了好处。", people=["王建国"])
    s["recused_accepted"] = file("tipoff", "王建国又收了好处。", people=["王建国"])
    actions.do_accept(complaint=s["recused_accepted"], user=alice, category="conduct", handler=cast.county)
    tom.first_name = ""
    tom.save()
    for c in s.values():
        c.refresh_from_db()
    return s


TASKS = {
    "alice": {"escalated", "recused", "recused_accepted", "review_township"},
    "tom": {"submitted", "escalated", "tipoff", "at_township", "review_village", "transferred"},
    "olga": {"elsewhere"},
    "victor": {"at_village"},
    "dora": {"at_bureau"},
    "fred": set(),
}


def test_my_tasks_condition_agrees_with_complaint_actions(
    cast: Cast, every_state: dict[str, Complaint], client: Client
) -> None:
    everything = list(Complaint.objects.all())
    assert len(everything) == len(every_state)
    for persona, expected in TASKS.items():
        user = getattr(cast, persona)
        in_sql = set(queries.tasks_for(user).values_list("pk", flat=True))
        in_python = {c.pk for c in everything if queries.task_actions(user, c)}
        assert in_sql == in_python == {every_state[name].pk for name in expected}, persona
        if not policy.is_county(user):  # the county may act on every complaint; its tasks are its own charge
            assert in_python == {c.pk for c in everything if policy.complaint_actions(user, c) & queries.DUTIES}
        assert in_sql <= set(policy.complaints_for(user).values_list("pk", flat=True))
        page = as_user(client, user).get("/console/complaints/?mine=1")
        assert listed(page) == in_sql, persona
        assert re.search(rf'id="task-count">{len(in_sql)}<', page.content.decode()), persona


# -- photos ---------------------------------------------------------------------------------------


def test_photos_are_served_without_gps_and_tipoff_originals_only_to_the_commission_recorded(
    cast: Cast, client: Client
) -> None:
    complaint = file(photo_uploads=[jpeg_with_gps()])
    tipoff = file("tipoff", "有人在村委会收钱。", photo_uploads=[jpeg_with_gps()])
    actions.do_accept(complaint=complaint, user=cast.tom, category="project", handler=cast.village)
    shown = ComplaintPhoto.objects.get(complaint=complaint)
    evidence = ComplaintPhoto.objects.get(complaint=tipoff)
    as_user(client, cast.victor)
    response = client.get(f"/console/complaints/{complaint.pk}/photos/{shown.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == shown.content_type
    data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert not Image.open(io.BytesIO(data)).getexif() and b"Exif" not in data
    assert client.get(f"/console/complaints/{complaint.pk}/photos/{evidence.pk}/").status_code == 404  # another's
    assert client.get(f"/console/complaints/{tipoff.pk}/photos/{evidence.pk}/").status_code == 404
    assert client.get(f"/console/complaints/{tipoff.pk}/photos/{evidence.pk}/original/").status_code in (403, 404)
    as_user(client, cast.tom)
    page = client.get(f"/console/complaints/{tipoff.pk}/").content.decode()
    assert f"/console/complaints/{tipoff.pk}/photos/{evidence.pk}/original/" in page
    assert f"/photos/{shown.pk}/original/" not in client.get(f"/console/complaints/{complaint.pk}/").content.decode()
    for _ in range(2):
        original = client.get(f"/console/complaints/{tipoff.pk}/photos/{evidence.pk}/original/")
        assert original.status_code == 200 and "attachment" in original["Content-Disposition"]
        assert b"Exif" in b"".join(original.streaming_content)  # type: ignore[attr-defined]
    downloads = AuditEntry.objects.filter(action="complaint.original_downloaded", object_id=str(tipoff.pk))
    assert downloads.count() == 2 and downloads.first().detail["photo"] == evidence.pk  # type: ignore[union-attr]
    assert client.get(f"/console/complaints/{complaint.pk}/photos/{shown.pk}/original/").status_code == 404
    assert as_user(client, cast.dora).get(f"/console/complaints/{tipoff.pk}/photos/{evidence.pk}/original/").status_code == 403


# -- linked data ----------------------------------------------------------------------------------


def test_the_linked_panel_shows_what_the_user_may_see_of_the_village_and_people_and_is_recorded(
    cast: Cast, client: Client
) -> None:
    run_with(engine_hit(10), engine_hit(11, region=ELSEWHERE), engine_hit(12, department="财政局"))
    ours = Alert.objects.get(hit__name="测试10")
    elsewhere = Alert.objects.get(hit__name="测试11")
    finance = Alert.objects.get(hit__name="测试12")
    complaint = file(text="测试10 和 测试11 冒领补贴。", people=["测试10", "测试11"])
    as_user(client, cast.tom)
    assert 'id="open-linked"' in client.get(f"/console/complaints/{complaint.pk}/").content.decode()
    assert not AuditEntry.objects.filter(action="complaint.view_linked").exists()  # recorded when opened only
    body = client.get(f"/console/complaints/{complaint.pk}/linked/").content.decode()
    village_list = re.search(r'id="village-alerts">(.*?)</ul>', body, re.S)
    people_list = re.search(r'id="people-alerts">(.*?)</ul>', body, re.S)
    assert village_list and people_list
    assert set(map(int, re.findall(r'data-alert="(\d+)"', village_list.group(1)))) == {ours.pk, finance.pk}
    assert set(map(int, re.findall(r'data-alert="(\d+)"', people_list.group(1)))) == {ours.pk}  # not another township's
    assert f'href="/console/alerts/{ours.pk}/"' in body and "<html" in body
    assert elsewhere.pk not in map(int, re.findall(r'data-alert="(\d+)"', body))
    entry = AuditEntry.objects.get(action="complaint.view_linked")
    assert (entry.actor_id, entry.object_id, entry.detail["reference"]) == (cast.tom.pk, str(complaint.pk), complaint.reference)
    partial = client.get(f"/console/complaints/{complaint.pk}/linked/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and 'id="linked-data"' in partial
    actions.do_accept(complaint=complaint, user=cast.tom, category="welfare", handler=cast.civil_affairs)
    dora = as_user(client, cast.dora).get(f"/console/complaints/{complaint.pk}/linked/").content.decode()
    assert set(map(int, re.findall(r'data-alert="(\d+)"', dora))) == {ours.pk}  # 民政局's alerts only
    assert AuditEntry.objects.filter(action="complaint.view_linked").count() == 3


# -- export ---------------------------------------------------------------------------------------


def export_rows(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_export_has_no_complainant_and_no_tipoff_text_defuses_formulas_and_is_recorded(
    cast: Cast, world: dict[str, Complaint], client: Client
) -> None:
    formula = file(text='=HYPERLINK("http://example.org","点我")', anonymous=False, contact_name="孙八",
                   contact_phone="13800004444")
    rows = export_rows(as_user(client, cast.tom).get("/console/complaints/export.xlsx"))
    header, body = rows[0], rows[1:]
    by_reference = {r[0]: dict(zip(header, r, strict=False)) for r in body}
    expected = {world[n].reference for n in ("ours", "village", "welfare", "tipoff")} | {formula.reference}
    assert set(by_reference) == expected
    cells = " ".join(str(v) for r in rows for v in r if v is not None)
    for secret in (PHONE, "13700001111", "13500003333", "13800004444", "张三", "钱七", "孙八", "村支书收了低保户的钱"):
        assert secret not in cells, secret
    tipoff = [v for v in by_reference[world["tipoff"].reference].values() if v not in (None, "")]
    assert "修路" not in str(tipoff) and "东风村" not in str(tipoff)
    assert any(str(v).startswith("'=HYPERLINK") for v in by_reference[formula.reference].values())
    entry = AuditEntry.objects.get(action="complaints.export")
    assert entry.actor_id == cast.tom.pk and entry.detail == {"filter": {}, "rows": 5}
    filtered = export_rows(client.get("/console/complaints/export.xlsx?channel=tipoff"))
    assert [r[0] for r in filtered[1:]] == [world["tipoff"].reference]
    assert AuditEntry.objects.filter(action="complaints.export").last().detail["filter"] == {"channel": "tipoff"}  # type: ignore[union-attr]
    for persona in ("victor", "dora"):
        assert as_user(client, getattr(cast, persona)).get("/console/complaints/export.xlsx").status_code == 403
    assert 'id="export-link"' not in client.get("/console/complaints/").content.decode()
