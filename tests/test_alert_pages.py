"""The alert pages through HTTP: who sees what, the lifecycle by form posts, exports, the trail.

Personas (tests/alerts_fixtures.py): alice county commission (administrator), tom township 001,
olga township 002, dora 民政局, fred 财政局, victor village 001-201.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from engine.explain import mask_id
from mingjing.accounts.policy import alert_actions as allowed_actions
from mingjing.alerts import actions
from mingjing.alerts.models import Alert, AlertEvent, DeadlinePolicy, Notification
from mingjing.audit.actions import verify
from mingjing.audit.models import AuditEntry
from mingjing.datahub.actions import do_import_file
from tests.alerts_fixtures import (
    OTHER_TOWNSHIP,
    OTHER_VILLAGE,
    VILLAGE,
    Cast,
    engine_hit,
    make_cast,
    person,
    run_with,
)

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def fast_passwords_and_media(settings: LazySettings, tmp_path: Path) -> None:
    """Attachments go to the test's own folder; passwords hash fast (six personas per test)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(alice: User) -> Cast:
    return make_cast(alice)


@pytest.fixture
def three(cast: Cast) -> dict[str, Alert]:
    """ours: village 001-201, 民政局; finance: village 001-202, 财政局; elsewhere: township 002, 民政局."""
    run_with(
        engine_hit(10, amount="1400.00"),
        engine_hit(11, region=OTHER_VILLAGE, department="财政局", level="medium", amount="300.00"),
        engine_hit(12, region=OTHER_TOWNSHIP[:9] + "201", level="low", amount="99.00"),
    )
    return {name: Alert.objects.get(hit__id_number=person(n))
            for name, n in (("ours", 10), ("finance", 11), ("elsewhere", 12))}


def as_user(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def listed(response: Any) -> set[int]:
    assert response.status_code == 200
    return {int(n) for n in re.findall(r'<tr data-alert="(\d+)"', response.content.decode())}


def timeline(client: Client, alert: Alert) -> list[str]:
    return re.findall(r'<li data-kind="(\w+)"', client.get(f"/console/alerts/{alert.pk}/").content.decode())


def export_rows(response: Any) -> list[list[Any]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


# -- who sees what --------------------------------------------------------------------------------

SEES = {
    "alice": {"ours", "finance", "elsewhere"},
    "tom": {"ours", "finance"},
    "olga": {"elsewhere"},
    "dora": {"ours", "elsewhere"},
    "fred": {"finance"},
    "victor": {"ours"},
}


@pytest.mark.parametrize("persona", list(SEES))
def test_each_persona_sees_exactly_its_jurisdiction_in_list_detail_attachments_and_export(
    persona: str, cast: Cast, three: dict[str, Alert], client: Client
) -> None:
    for alert in three.values():  # every alert gets an attachment, through the county's hands
        actions.do_sign_alert(alert=alert, user=cast.alice)
        actions.do_submit_result(alert=alert, user=cast.alice, result="not_confirmed", account="核查说明",
                                 files=[SimpleUploadedFile("核查报告.pdf", PDF)])
    user = getattr(cast, persona)
    expected = {three[name].pk for name in SEES[persona]}
    as_user(client, user)

    assert listed(client.get("/console/alerts/")) == expected
    for alert in three.values():
        visible = alert.pk in expected
        assert client.get(f"/console/alerts/{alert.pk}/").status_code == (200 if visible else 404)
        attachment = alert.attachments.get()
        download = client.get(f"/console/alerts/{alert.pk}/attachments/{attachment.pk}/")
        assert download.status_code == (200 if visible else 404)
        if visible:
            assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
            assert "attachment" in download["Content-Disposition"]
    rows = export_rows(client.get("/console/alerts/export.xlsx"))
    assert {r[0] for r in rows[1:]} == expected


def test_an_attachment_is_not_reachable_through_another_alert(cast: Cast, three: dict[str, Alert], client: Client) -> None:
    elsewhere, ours = three["elsewhere"], three["ours"]
    actions.do_sign_alert(alert=elsewhere, user=cast.alice)
    actions.do_submit_result(alert=elsewhere, user=cast.alice, result="not_confirmed", account="说明",
                             files=[SimpleUploadedFile("a.pdf", PDF)])
    attachment = elsewhere.attachments.get()
    as_user(client, cast.tom)  # sees `ours`, not `elsewhere`
    assert client.get(f"/console/alerts/{ours.pk}/attachments/{attachment.pk}/").status_code == 404


def test_pages_need_a_signed_in_staff_member(three: dict[str, Alert], client: Client) -> None:
    response = client.get("/console/alerts/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    villager = User.objects.create_user("villager", password="x")
    as_user(client, villager)
    assert client.get("/console/alerts/").status_code == 403
    assert client.get("/console/cockpit/").status_code == 403


def test_a_village_never_sees_an_alert_about_its_own_cadres_or_their_relatives(
    cast: Cast, client: Client, tmp_path: Path
) -> None:
    cadre, relative, villager = person(20, "19700101"), person(21, "19720101"), person(22, "19600101")
    officials = tmp_path / "officials.csv"
    officials.write_text(f"身份证号,姓名,村(社区)代码,职务,任职开始\n{cadre},村主任,{VILLAGE},村委会主任,2021-01-01\n")
    relatives = tmp_path / "relatives.csv"
    relatives.write_text(f"干部身份证号,亲属身份证号,关系\n{cadre},{relative},配偶\n")
    do_import_file("officials", officials)
    do_import_file("relatives", relatives)
    hits = [engine_hit(n, model="YKT03") for n in (20, 21, 22)]
    for hit, number in zip(hits, (cadre, relative, villager), strict=True):
        hit.id_number = number
        hit.key = {"id_number": number, "program_code": "DB01"}
        hit.fingerprint = number.ljust(64, "0")
    run_with(*hits, models=("YKT03",))
    by_subject = {a.hit.id_number: a for a in Alert.objects.select_related("hit")}

    as_user(client, cast.victor)
    assert listed(client.get("/console/alerts/")) == {by_subject[villager].pk}
    for number in (cadre, relative):
        assert client.get(f"/console/alerts/{by_subject[number].pk}/").status_code == 404
    assert {r[0] for r in export_rows(client.get("/console/alerts/export.xlsx"))[1:]} == {by_subject[villager].pk}
    cockpit = client.get("/console/cockpit/").content.decode()
    assert 'id="kpi-total" data-n="1"' in cockpit

    as_user(client, cast.tom)
    assert listed(client.get("/console/alerts/")) == {a.pk for a in by_subject.values()}


def test_a_village_cadre_sees_the_subject_masked_and_no_personal_data_view_is_recorded(
    cast: Cast, three: dict[str, Alert], client: Client
) -> None:
    ours = three["ours"]
    body = as_user(client, cast.victor).get(f"/console/alerts/{ours.pk}/").content.decode()
    assert person(10) not in body and mask_id(person(10)) in body
    assert not AuditEntry.objects.filter(action="alert.view_personal_data").exists()
    assert 'id="actions"' not in body  # a village never acts on an alert


# -- the detail page and the trail ----------------------------------------------------------------


def test_viewing_a_detail_shows_the_full_subject_and_records_the_view(
    cast: Cast, three: dict[str, Alert], client: Client
) -> None:
    ours = three["ours"]
    body = as_user(client, cast.dora).get(f"/console/alerts/{ours.pk}/").content.decode()
    assert f'<code id="subject-id">{person(10)}</code>' in body
    assert ours.hit.explanation in body and ours.hit.observed in body
    entry = AuditEntry.objects.get(action="alert.view_personal_data")
    assert (entry.actor, entry.object_id) == (cast.dora, str(ours.pk))
    assert verify().ok


def test_the_detail_offers_exactly_the_allowed_actions(cast: Cast, three: dict[str, Alert], client: Client) -> None:
    ours = three["ours"]
    for user in (cast.alice, cast.tom, cast.dora):
        body = as_user(client, user).get(f"/console/alerts/{ours.pk}/").content.decode()
        offered = set(re.findall(r'<details[^>]* id="action-(\w+)"', body))
        assert offered == allowed_actions(user, ours)
    assert offered == {"sign"}  # dora


def test_an_overdue_deadline_is_marked(cast: Cast, three: dict[str, Alert], client: Client) -> None:
    ours = three["ours"]
    Alert.objects.filter(pk=ours.pk).update(sign_due=timezone.now() - timezone.timedelta(days=1))
    body = as_user(client, cast.dora).get(f"/console/alerts/{ours.pk}/").content.decode()
    assert 'id="sign-overdue"' in body and 'id="result-overdue"' not in body


def test_the_whole_lifecycle_through_the_pages(cast: Cast, three: dict[str, Alert], client: Client) -> None:
    ours = three["ours"]
    url = f"/console/alerts/{ours.pk}"
    as_user(client, cast.dora)
    response = client.post(f"{url}/sign/")
    assert response.status_code == 302 and response["Location"] == f"{url}/"
    assert Alert.objects.get(pk=ours.pk).status == "verifying"

    report = SimpleUploadedFile("核查报告.pdf", PDF, content_type="application/pdf")
    response = client.post(f"{url}/submit_result/", {
        "submit_result-result": "confirmed", "submit_result-account": "核实：本人已于2023年12月死亡。",
        "submit_result-money_to_recover": "1400.00", "submit_result-money_recovered": "700.00",
        "submit_result-attachments": [report],
    })
    assert response.status_code == 302
    alert = Alert.objects.get(pk=ours.pk)
    assert (alert.status, alert.result, alert.money_recovered) == ("under_review", "confirmed", Decimal("700.00"))
    assert [a.name for a in alert.attachments.all()] == ["核查报告.pdf"]

    as_user(client, cast.tom)
    assert client.post(f"{url}/review/", {"review-decision": "approve", "review-note": "同意"}).status_code == 302
    body = client.get(f"{url}/").content.decode()
    assert 'data-colour="yellow"' in body  # approved, but rectification pending: stays yellow
    assert Alert.objects.get(pk=ours.pk).status == "rectifying"

    as_user(client, cast.dora)
    response = client.post(f"{url}/rectify/", {"rectify-money_recovered": "1400.00", "rectify-note": "已全部追回"})
    assert response.status_code == 302
    alert = Alert.objects.get(pk=ours.pk)
    assert (alert.status, alert.colour, alert.money_recovered) == ("closed", "green", Decimal("1400.00"))
    body = client.get(f"{url}/").content.decode()
    assert 'data-colour="green"' in body and "核查报告.pdf" in body
    assert timeline(client, alert) == ["created", "signed", "result_submitted", "approved", "rectified"]
    assert verify().ok


def test_a_return_needs_a_reason_and_sends_the_alert_back_with_it(
    cast: Cast, three: dict[str, Alert], client: Client
) -> None:
    ours = three["ours"]
    url = f"/console/alerts/{ours.pk}"
    as_user(client, cast.tom)
    client.post(f"{url}/sign/")
    client.post(f"{url}/submit_result/", {"submit_result-result": "not_confirmed",
                                          "submit_result-account": "经核查系同名。"})
    as_user(client, cast.alice)
    refused = client.post(f"{url}/review/", {"review-decision": "return", "review-note": ""})
    assert refused.status_code == 403
    assert "退回须说明理由" in refused.content.decode() and "returning an alert needs a reason" in refused.content.decode()
    assert Alert.objects.get(pk=ours.pk).status == "under_review"
    response = client.post(f"{url}/review/", {"review-decision": "return", "review-note": "请补充火化记录核对情况"})
    assert response.status_code == 302
    assert Alert.objects.get(pk=ours.pk).status == "verifying"
    body = client.get(f"{url}/").content.decode()
    assert "请补充火化记录核对情况" in body
    assert timeline(client, ours)[-1] == "returned"


def test_a_refused_action_shows_the_bilingual_reason_and_changes_nothing(
    cast: Cast, three: dict[str, Alert], client: Client
) -> None:
    ours = three["ours"]
    url = f"/console/alerts/{ours.pk}"
    as_user(client, cast.dora)
    client.post(f"{url}/sign/")
    client.post(f"{url}/submit_result/", {"submit_result-result": "not_confirmed", "submit_result-account": "同名"})
    events = AlertEvent.objects.filter(alert=ours).count()
    refused = client.post(f"{url}/review/", {"review-decision": "approve"})  # her own result
    body = refused.content.decode()
    assert refused.status_code == 403 and 'id="action-refused"' in body
    assert "您不能对此预警执行" in body and "you may not &#x27;review&#x27; this alert" in body
    assert Alert.objects.get(pk=ours.pk).status == "under_review"
    assert AlertEvent.objects.filter(alert=ours).count() == events
    # Someone who cannot see the alert cannot act on it either, and learns nothing: 404.
    assert as_user(client, cast.olga).post(f"{url}/sign/").status_code == 404
    assert client.post(f"/console/alerts/{ours.pk}/explode/").status_code == 404


def test_an_invalid_form_is_shown_again_with_its_errors(cast: Cast, three: dict[str, Alert], client: Client) -> None:
    ours = three["ours"]
    url = f"/console/alerts/{ours.pk}"
    as_user(client, cast.dora)
    client.post(f"{url}/sign/")
    response = client.post(f"{url}/submit_result/", {"submit_result-result": "maybe", "submit_result-account": ""})
    assert response.status_code == 400 and 'class="error"' in response.content.decode()
    assert Alert.objects.get(pk=ours.pk).status == "verifying"
    bad_file = SimpleUploadedFile("virus.exe", b"MZ")
    response = client.post(f"{url}/submit_result/", {"submit_result-result": "confirmed",
                                                     "submit_result-account": "说明", "submit_result-attachments": [bad_file]})
    assert response.status_code == 400 and not Alert.objects.get(pk=ours.pk).attachments.exists()


def test_the_county_reassigns_an_alert_and_the_new_department_sees_it(
    cast: Cast, three: dict[str, Alert], client: Client
) -> None:
    ours = three["ours"]
    assert as_user(client, cast.fred).get(f"/console/alerts/{ours.pk}/").status_code == 404
    as_user(client, cast.alice)
    response = client.post(f"/console/alerts/{ours.pk}/reassign/", {
        "reassign-department": cast.finance.pk, "reassign-township": cast.township.pk, "reassign-reason": "属财政局发放",
    })
    assert response.status_code == 302
    assert as_user(client, cast.fred).get(f"/console/alerts/{ours.pk}/").status_code == 200
    assert as_user(client, cast.dora).get(f"/console/alerts/{ours.pk}/").status_code == 404


# -- the list: filters, sorting, masking -----------------------------------------------------------


def test_the_list_filters_sorts_counts_by_colour_and_masks_id_numbers(
    cast: Cast, three: dict[str, Alert], client: Client
) -> None:
    actions.do_sign_alert(alert=three["finance"], user=cast.alice)
    as_user(client, cast.alice)
    everything = client.get("/console/alerts/?sort=amount").content.decode()
    order = [int(n) for n in re.findall(r'<tr data-alert="(\d+)"', everything)]
    assert order == [three["elsewhere"].pk, three["finance"].pk, three["ours"].pk]
    assert person(10) not in everything and mask_id(person(10)) in everything
    assert 'id="count-red" data-n="2"' in everything and 'id="count-yellow" data-n="1"' in everything
    assert 'id="total-amount" data-amount="1799.00"' in everything

    assert listed(client.get("/console/alerts/?colour=yellow")) == {three["finance"].pk}
    assert listed(client.get("/console/alerts/?level=low")) == {three["elsewhere"].pk}
    assert listed(client.get(f"/console/alerts/?township={OTHER_TOWNSHIP}")) == {three["elsewhere"].pk}
    assert listed(client.get(f"/console/alerts/?village={VILLAGE}")) == {three["ours"].pk}
    assert listed(client.get("/console/alerts/?model=YKT01&status=new")) == {three["ours"].pk, three["elsewhere"].pk}
    assert listed(client.get("/console/alerts/?supervised=yes")) == set()
    assert listed(client.get("/console/alerts/?not_seen=on")) == set()
    # A filter with a colour still counts every colour, so the other colours stay one tap away.
    assert 'id="count-red" data-n="2"' in client.get("/console/alerts/?colour=yellow").content.decode()
    # An htmx request gets the filters and results only.
    partial = client.get("/console/alerts/?level=high", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and 'id="alert-results"' in partial


def test_the_list_pages_through_many_alerts(cast: Cast, client: Client) -> None:
    run_with(*[engine_hit(100 + i, amount=f"{i + 1}.00") for i in range(60)])
    as_user(client, cast.alice)
    first, second = listed(client.get("/console/alerts/")), listed(client.get("/console/alerts/?page=2"))
    assert len(first) == 50 and len(second) == 10 and not first & second


def test_the_deadline_sort_puts_the_nearest_deadline_first_and_none_last(
    cast: Cast, three: dict[str, Alert], client: Client
) -> None:
    soon = timezone.now() + timezone.timedelta(hours=1)
    Alert.objects.filter(pk=three["finance"].pk).update(sign_due=soon)
    order = [int(n) for n in re.findall(r'<tr data-alert="(\d+)"',
                                         as_user(client, cast.alice).get("/console/alerts/?sort=deadline").content.decode())]
    assert order == [three["finance"].pk, three["ours"].pk, three["elsewhere"].pk]  # low: no deadline


# -- export ---------------------------------------------------------------------------------------


def test_the_export_masks_id_numbers_for_a_township_and_is_recorded(
    cast: Cast, three: dict[str, Alert], client: Client
) -> None:
    rows = export_rows(as_user(client, cast.tom).get("/console/alerts/export.xlsx?level=high"))
    header, data = rows[0], rows[1:]
    id_column = header.index("身份证号")
    assert [r[0] for r in data] == [three["ours"].pk]
    assert data[0][id_column] == mask_id(person(10))
    assert person(10) not in str(rows)
    entry = AuditEntry.objects.get(action="alerts.export")
    assert entry.actor == cast.tom
    assert entry.detail == {"filter": {"level": "high"}, "sort": "-created", "rows": 1, "full_id": False}


def test_the_county_exports_full_id_numbers_and_that_is_recorded(
    cast: Cast, three: dict[str, Alert], client: Client
) -> None:
    rows = export_rows(as_user(client, cast.alice).get("/console/alerts/export.xlsx?supervised=no&sort=amount"))
    id_column = rows[0].index("身份证号")
    assert [r[id_column] for r in rows[1:]] == [person(12), person(11), person(10)]
    entry = AuditEntry.objects.get(action="alerts.export")
    assert entry.detail == {"filter": {"supervised": False}, "sort": "amount", "rows": 3, "full_id": True}


# -- my tasks, the inbox, deadlines --------------------------------------------------------------


def test_my_tasks_lists_what_i_can_do_now_overdue_first(cast: Cast, three: dict[str, Alert], client: Client) -> None:
    ours, elsewhere = three["ours"], three["elsewhere"]
    Alert.objects.filter(pk=elsewhere.pk).update(result_due=timezone.now() - timezone.timedelta(days=1))
    as_user(client, cast.dora)
    body = client.get("/console/tasks/").content.decode()
    assert [int(n) for n in re.findall(r'<tr data-alert="(\d+)"', body)] == [elsewhere.pk, ours.pk]

    client.post(f"/console/alerts/{ours.pk}/sign/")
    client.post(f"/console/alerts/{ours.pk}/submit_result/",
                {"submit_result-result": "not_confirmed", "submit_result-account": "同名"})
    assert listed(client.get("/console/tasks/")) == {elsewhere.pk}  # waiting for review: not hers now
    tom_tasks = as_user(client, cast.tom).get("/console/tasks/").content.decode()
    assert f'<tr data-alert="{ours.pk}"' in tom_tasks and 'data-action="review"' in tom_tasks
    assert listed(as_user(client, cast.victor).get("/console/tasks/")) == set()


@pytest.mark.parametrize("persona", ["alice", "tom", "olga", "dora", "fred", "victor"])
def test_my_tasks_are_exactly_the_alerts_with_an_allowed_action(
    persona: str, cast: Cast, three: dict[str, Alert], client: Client
) -> None:
    actions.do_sign_alert(alert=three["ours"], user=cast.dora)
    actions.do_submit_result(alert=three["ours"], user=cast.dora, result="not_confirmed", account="同名")
    actions.do_sign_alert(alert=three["finance"], user=cast.tom)
    actions.do_submit_result(alert=three["finance"], user=cast.tom, result="confirmed", account="属实")
    Alert.objects.filter(pk=three["elsewhere"].pk).update(supervised=True)
    user = getattr(cast, persona)
    expected = {a.pk for a in Alert.objects.all() if allowed_actions(user, a) - {"reassign"}}
    if persona == "alice":  # the county's tasks: reviews and what it supervises, not everything
        expected = {three["ours"].pk, three["finance"].pk, three["elsewhere"].pk}
    assert listed(as_user(client, user).get("/console/tasks/")) == expected


def test_the_inbox_shows_my_notifications_and_marks_them_read(
    cast: Cast, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run_with(engine_hit(40))
    mine = Notification.objects.get(user=cast.dora)
    toms = Notification.objects.get(user=cast.tom)
    as_user(client, cast.dora)
    body = client.get("/console/inbox/").content.decode()
    assert f'id="notification-{mine.pk}" class="unread"' in body and f"notification-{toms.pk}" not in body
    fragment = client.post(f"/console/inbox/{mine.pk}/read/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith(f'<li id="notification-{mine.pk}" class="read"')
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert client.post(f"/console/inbox/{toms.pk}/read/").status_code == 404  # not hers
    assert Notification.objects.get(pk=toms.pk).read_at is None
    as_user(client, cast.tom)
    assert client.post("/console/inbox/read-all/").status_code == 302
    assert not Notification.objects.filter(user=cast.tom, read_at__isnull=True).exists()


def test_only_a_county_administrator_edits_deadlines_and_it_is_recorded(cast: Cast, client: Client) -> None:
    for user in (cast.tom, cast.dora, cast.victor):
        assert as_user(client, user).get("/console/settings/deadlines/").status_code == 403
        assert client.post("/console/settings/deadlines/", {"high_sign": "2"}).status_code == 403
    assert 'id="deadlines-link"' not in client.get("/console/alerts/").content.decode()
    as_user(client, cast.alice)
    assert 'id="deadlines-link"' in client.get("/console/alerts/").content.decode()
    assert client.get("/console/settings/deadlines/").status_code == 200
    form = {"high_sign": "2", "high_result": "8", "medium_sign": "3", "medium_result": "15",
            "low_sign": "", "low_result": ""}
    assert client.post("/console/settings/deadlines/", form).status_code == 302
    assert list(DeadlinePolicy.objects.values_list("level", "sign_days", "result_days")) == [("high", 2, 8)]
    assert AuditEntry.objects.filter(action="settings.deadlines").count() == 1
    bad = client.post("/console/settings/deadlines/", {**form, "medium_sign": "20"})
    assert bad.status_code == 400 and DeadlinePolicy.objects.count() == 1
