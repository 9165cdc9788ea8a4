"""监督一点通: the lifecycle through the actions (filing, triage, answer, rating, reopening, review),
recusal, the tracking code and its back-off, deadlines and the sweep, repeats, alerts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from mingjing.accounts.models import Membership, Organisation, Role
from mingjing.alerts.models import Alert
from mingjing.audit.models import AuditEntry
from mingjing.complaints import actions, codes, lookup, routing
from mingjing.complaints.actions import ComplaintRefused
from mingjing.complaints.models import Complaint, ComplaintPhoto
from tests.alerts_fixtures import VILLAGE, Cast, make_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(alice: User) -> Cast:
    return make_cast(alice)


def file(channel: str = "complaint", text: str = "村里修路的钱一直没有公开，工程质量也很差。", **kw: object) -> actions.Filed:
    return actions.do_file_complaint(channel=channel, village_code=VILLAGE, text=text, **kw)  # type: ignore[arg-type]


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 5.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_complaint_goes_round_the_whole_loop(cast: Cast) -> None:
    filed = file()
    c = filed.complaint
    assert c.status == Complaint.Status.SUBMITTED and c.triage == cast.township
    assert c.accept_due is not None and c.accept_due > timezone.now()
    assert codes.check_secret(filed.code.secret, c.secret_hash) and filed.code.secret not in c.secret_hash
    actions.do_accept(complaint=c, user=cast.tom, category="project", handler=cast.village)
    c.refresh_from_db()
    assert (c.status, c.handler, c.category) == (Complaint.Status.ACCEPTED, cast.village, "project")
    actions.do_answer(complaint=c, user=cast.victor, answer="已核实，道路将于下月返修，费用已在村务栏公开。")
    c.refresh_from_db()
    assert c.status == Complaint.Status.ANSWERED and c.rate_due is not None
    actions.do_rate(complaint=c, rating="not_resolved", comment="还是没修")
    c.refresh_from_db()
    assert (c.status, c.reopened_count, c.escalated_to) == (Complaint.Status.ACCEPTED, 1, cast.township)
    actions.do_answer(complaint=c, user=cast.victor, answer="已返修完毕，附验收照片。")
    c.refresh_from_db()
    assert c.status == Complaint.Status.UNDER_REVIEW  # the second answer waits for the level above
    with pytest.raises(ComplaintRefused):
        actions.do_review(complaint=c, user=cast.victor, approve=True)
    actions.do_review(complaint=c, user=cast.tom, approve=True)
    c.refresh_from_db()
    assert c.status == Complaint.Status.ANSWERED
    actions.do_rate(complaint=c, rating="not_resolved")
    c.refresh_from_db()
    assert c.status == Complaint.Status.CLOSED and c.reopened_count == 1  # reopened once only
    kinds = list(c.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "accepted", "answered", "rated", "reopened", "answered", "review_approved", "rated"]
    assert AuditEntry.objects.filter(action__startswith="complaint.").count() == len(kinds)


def test_only_the_routed_organisation_answers_and_others_are_refused(cast: Cast) -> None:
    c = file().complaint
    with pytest.raises(ComplaintRefused):
        actions.do_accept(complaint=c, user=cast.olga, category="project", handler=cast.village)
    with pytest.raises(ComplaintRefused):
        actions.do_accept(complaint=c, user=cast.victor, category="project", handler=cast.village)
    actions.do_accept(complaint=c, user=cast.tom, category="welfare", handler=cast.civil_affairs)
    with pytest.raises(ComplaintRefused):
        actions.do_answer(complaint=c, user=cast.victor, answer="不归我们")
    actions.do_answer(complaint=c, user=cast.dora, answer="已核实发放。")


def test_a_tipoff_naming_a_cadre_skips_the_cadres_organisation(cast: Cast) -> None:
    """A township officer named in a tip-off: it goes to the county commission, and the township
    commission can neither see it nor be chosen to handle it."""
    cast.tom.first_name = "王建国"
    cast.tom.save()
    c = file("tipoff", "王建国收了低保户的钱才给办手续。", people=["王建国"]).complaint
    assert c.triage == cast.county
    assert f",{cast.township.pk}," in c.excluded_orgs
    from mingjing.accounts import policy

    assert not policy.complaints_for(cast.tom).filter(pk=c.pk).exists()
    assert policy.complaints_for(cast.alice).filter(pk=c.pk).exists()
    assert cast.township not in routing.handler_choices(c) and cast.village not in routing.handler_choices(c)
    with pytest.raises(ComplaintRefused):
        actions.do_accept(complaint=c, user=cast.alice, category="conduct", handler=cast.township)


def test_tipoff_photos_keep_the_original_for_staff_and_serve_no_gps(cast: Cast) -> None:
    c = file("tipoff", "有人在村委会收钱。", photo_uploads=[jpeg_with_gps()]).complaint
    photo = ComplaintPhoto.objects.get(complaint=c)
    shown = photo.shown.read()
    assert b"Exif" not in shown and not Image.open(io.BytesIO(shown)).getexif()
    assert photo.original and b"Exif" in photo.original.read()
    public = file(photo_uploads=[jpeg_with_gps()]).complaint
    assert not ComplaintPhoto.objects.get(complaint=public).original  # complaints keep no original


def test_hostile_filings_are_refused_and_store_nothing(cast: Cast) -> None:
    for kw in ({"text": ""}, {"text": "字" * 2001}, {"people": ["某"] * 0 + [f"人{i}" for i in range(6)]},
               {"photo_uploads": [b"%PDF-1.4 not a photo"]}, {"anonymous": False, "contact_name": "张三",
                                                                 "contact_phone": "12345"}):
        with pytest.raises(ComplaintRefused):
            file(**kw)  # type: ignore[arg-type]
    with pytest.raises(ComplaintRefused):
        actions.do_file_complaint(channel="complaint", village_code="999999999999", text="有问题")
    with pytest.raises(ComplaintRefused):
        actions.do_file_complaint(channel="bogus", village_code=VILLAGE, text="有问题")
    assert not Complaint.objects.exists() and not ComplaintPhoto.objects.exists()


def test_a_wrong_code_and_an_unknown_reference_answer_the_same_and_back_off(cast: Cast) -> None:
    filed = file()
    right = str(filed.code)
    assert lookup.lookup(right.lower().replace("-", " "), "1.2.3.4") == filed.complaint
    wrong = f"{filed.code.reference}-{'0' * 10}"
    unknown = f"{'Z' * 8}-{filed.code.secret}"
    assert lookup.lookup(wrong, "1.2.3.4") == lookup.lookup(unknown, "1.2.3.4") == lookup.NO_MATCH
    for _ in range(3):
        lookup.lookup(wrong, "9.9.9.9")
    assert lookup.lookup(wrong, "9.9.9.9") == lookup.NO_MATCH  # the 4th failure locks for a minute
    assert lookup.lookup(right, "9.9.9.9") == lookup.LOCKED  # even the right code waits
    assert lookup.lookup(right, "8.8.8.8") == filed.complaint  # a stranger cannot lock the filer out
    later = timezone.now() + dt.timedelta(minutes=2)
    assert lookup.lookup(right, "9.9.9.9", now=later) == filed.complaint


@override_settings(COMPLAINT_LOOKUPS_PER_MINUTE=2)
def test_lookups_are_rate_limited_per_client(cast: Cast) -> None:
    filed = file()
    assert lookup.lookup(str(filed.code), "1.1.1.1") == filed.complaint
    lookup.lookup(str(filed.code), "1.1.1.1")
    assert lookup.lookup(str(filed.code), "1.1.1.1") == lookup.TOO_MANY


def test_overdue_complaints_escalate_once_and_unrated_answers_close(cast: Cast) -> None:
    c = file().complaint
    later = timezone.now() + dt.timedelta(days=10)
    assert actions.do_complaint_sweep(later)["escalated"] == 1
    assert actions.do_complaint_sweep(later)["escalated"] == 0
    c.refresh_from_db()
    assert c.escalated_to == cast.county
    actions.do_accept(complaint=c, user=cast.tom, category="project", handler=cast.village)
    actions.do_extend(complaint=c, user=cast.victor, days=5, reason="需要现场测量")
    with pytest.raises(ComplaintRefused):
        actions.do_extend(complaint=c, user=cast.victor, days=5, reason="再延")
    actions.do_answer(complaint=c, user=cast.victor, answer="已公开。")
    assert actions.do_complaint_sweep(timezone.now() + dt.timedelta(days=8))["closed"] == 1
    c.refresh_from_db()
    assert c.status == Complaint.Status.CLOSED and c.rating == ""


def test_repeated_complaints_are_grouped_and_flagged_once(cast: Cast) -> None:
    first = file(people=["李四"]).complaint
    file(text="李四把低保给了自己亲戚。", people=["李四"])
    third = file(text="又来反映李四优亲厚友的事。", people=["李四"]).complaint
    third.refresh_from_db()
    assert third.repeat_of == first and third.repeat_flagged
    assert Complaint.objects.filter(repeat_flagged=True).count() == 3
    file(text="第四次反映李四。", people=["李四"])
    assert AuditEntry.objects.filter(action="complaint.repeats_flagged").count() == 1


def test_a_complaint_opens_an_alert_and_a_tipoff_never_does(cast: Cast) -> None:
    """Alerts are read county-wide and reach group chats: a tip-off stays in its commission."""
    from mingjing.accounts import policy

    c = file().complaint
    actions.do_accept(complaint=c, user=cast.tom, category="project", handler=cast.village)
    alert = actions.do_open_alert(complaint=c, user=cast.tom)
    assert isinstance(alert, Alert) and alert.model == "TS01" and alert.township == cast.township
    assert c.reference in alert.hit.explanation
    assert policy.alerts_for(cast.tom).filter(pk=alert.pk).exists()
    with pytest.raises(ComplaintRefused):
        actions.do_open_alert(complaint=c, user=cast.tom)  # one alert per complaint
    tip = file("tipoff", "会计挪用集体资金。").complaint
    actions.do_accept(complaint=tip, user=cast.tom, category="assets", handler=cast.township)
    with pytest.raises(ComplaintRefused):
        actions.do_open_alert(complaint=tip, user=cast.tom)


def test_a_published_answer_must_not_name_the_people_concerned(cast: Cast) -> None:
    c = file(people=["赵六"]).complaint
    actions.do_accept(complaint=c, user=cast.tom, category="project", handler=cast.village)
    actions.do_answer(complaint=c, user=cast.victor, answer="赵六已退回多收的款项。")
    with pytest.raises(ComplaintRefused):
        actions.do_publish(complaint=c, user=cast.tom, public_text="反映赵六多收费", public_answer="已退回")
    with pytest.raises(ComplaintRefused):
        actions.do_publish(complaint=c, user=cast.tom, public_text="反映赵某多收费，电话13800138000",
                           public_answer="已退回")
    actions.do_publish(complaint=c, user=cast.tom, public_text="反映赵某多收费", public_answer="已核实并退回。")
    c.refresh_from_db()
    assert c.published_at is not None


def test_a_village_member_named_in_a_complaint_rules_the_village_out(cast: Cast) -> None:
    cadre = User.objects.create_user("cadre", is_staff=True, first_name="孙七")
    Membership.objects.create(user=cadre, organisation=cast.village, role=Role.VILLAGE_BOOKKEEPER)
    c = file(people=["孙七"]).complaint
    assert cast.village.pk in routing.ids_of(c.excluded_orgs)
    assert cast.village not in routing.handler_choices(c)
    assert Organisation.objects.get(pk=cast.township.pk) in routing.handler_choices(c)


def test_the_command_reports_the_suggestions_accuracy_and_sweeps(cast: Cast) -> None:
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("complaints", "triage-eval", "--json", stdout=out)
    (synthetic,) = json.loads(out.getvalue())  # no staff decisions yet: the synthetic set only
    assert synthetic["n"] == 2000 and synthetic["accuracy"] >= 0.9
    file()
    out = io.StringIO()
    call_command("complaints", "sweep", stdout=out)
    assert "escalated 0" in out.getvalue()


def test_a_recused_township_is_never_the_level_above_nor_told(cast: Cast) -> None:
    """A complaint naming a township officer, handled by the village: reopening sends the second
    answer to the county for review, and the township hears nothing of it."""
    from mingjing.alerts.models import Notification

    cast.tom.first_name = "王五"
    cast.tom.save()
    c = file(text="王五和村里一起把修路款挪作他用。", people=["王五"]).complaint
    assert c.triage == cast.county
    actions.do_accept(complaint=c, user=cast.alice, category="project", handler=cast.village)
    actions.do_answer(complaint=c, user=cast.victor, answer="已核实。")
    actions.do_rate(complaint=c, rating="not_resolved")
    c.refresh_from_db()
    assert c.escalated_to == cast.county
    actions.do_complaint_sweep(timezone.now() + dt.timedelta(days=30))
    assert not Notification.objects.filter(user=cast.tom).exists()
