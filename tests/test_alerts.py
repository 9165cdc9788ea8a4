"""The alert loop through its actions: routing, lifecycle, reruns, escalation, jurisdiction."""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command

from mingjing.accounts.policy import alerts_for as alerts_for_user
from mingjing.alerts import actions
from mingjing.alerts.actions import ActionRefused
from mingjing.alerts.models import Alert, Notification, Talk
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


@pytest.fixture
def cast(alice: User) -> Cast:
    return make_cast(alice)


@pytest.fixture
def alert(cast: Cast) -> Alert:
    run_with(engine_hit(1))
    return Alert.objects.get()


def test_each_hit_becomes_one_alert_routed_to_its_department_and_township(cast: Cast, alert: Alert) -> None:
    assert (alert.department, alert.township) == (cast.civil_affairs, cast.township)
    assert (alert.status, alert.colour, alert.level) == ("new", "red", "high")
    assert alert.sign_due is not None and alert.result_due is not None and alert.sign_due < alert.result_due
    assert [e.kind for e in alert.events.all()] == ["created"]


def test_a_new_alert_notifies_its_handlers_in_the_inbox_and_by_mail(
    cast: Cast, django_capture_on_commit_callbacks: object
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        run_with(engine_hit(2))
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"dora", "tom"}
    assert sorted(address for m in mail.outbox for address in m.to) == ["dora@example.org", "tom@example.org"]
    assert person(2) not in mail.outbox[0].body  # the full ID number never leaves in a message


def test_a_rerun_updates_the_alert_instead_of_adding_one(cast: Cast, alert: Alert) -> None:
    run_with(engine_hit(1, periods=("2024-01", "2024-02", "2024-03"), amount="2100.00"))
    assert Alert.objects.count() == 1
    alert.refresh_from_db()
    assert alert.amount == Decimal("2100.00") and alert.status == "new"


def test_the_whole_lifecycle_from_new_to_closed(cast: Cast, alert: Alert) -> None:
    actions.do_sign_alert(alert=alert, user=cast.dora)
    alert = actions.do_submit_result(
        alert=alert, user=cast.dora, result="confirmed", account="核实：本人已于2023年12月死亡。",
        money_to_recover=Decimal("1400.00"), money_recovered=Decimal("700.00"), rectified=False,
    )
    assert (alert.status, alert.colour) == ("under_review", "yellow")
    with pytest.raises(ActionRefused):  # the submitter's own level cannot approve it
        actions.do_review_alert(alert=alert, user=cast.dora, approve=True)
    alert = actions.do_review_alert(alert=alert, user=cast.tom, approve=True, note="同意")
    assert (alert.status, alert.colour) == ("rectifying", "yellow")  # 整改不完成，预警不变色
    alert = actions.do_record_rectification(alert=alert, user=cast.dora, money_recovered=Decimal("1400.00"))
    assert (alert.status, alert.colour, alert.money_recovered) == ("closed", "green", Decimal("1400.00"))
    assert [e.kind for e in alert.events.all()] == ["created", "signed", "result_submitted", "approved", "rectified"]
    assert AuditEntry.objects.filter(action__startswith="alert.", object_id=str(alert.pk)).count() == 5
    assert verify().ok


def test_a_returned_result_goes_back_to_verifying_with_the_reason(cast: Cast, alert: Alert) -> None:
    actions.do_sign_alert(alert=alert, user=cast.tom)
    actions.do_submit_result(alert=alert, user=cast.tom, result="not_confirmed", account="经核查系同名。")
    with pytest.raises(ActionRefused):
        actions.do_review_alert(alert=alert, user=cast.alice, approve=False, note="")  # a reason is required
    alert = actions.do_review_alert(alert=alert, user=cast.alice, approve=False, note="请补充火化记录核对情况")
    assert alert.status == "verifying"
    assert alert.events.last().note == "请补充火化记录核对情况"  # type: ignore[union-attr]


def test_a_dismissal_approved_above_closes_the_alert_as_a_false_positive(cast: Cast, alert: Alert) -> None:
    actions.do_sign_alert(alert=alert, user=cast.dora)
    actions.do_request_dismissal(alert=alert, user=cast.dora, reason="死亡登记错误，本人健在，已现场核实。")
    alert = actions.do_review_alert(alert=alert, user=cast.tom, approve=True)
    assert (alert.status, alert.result) == ("closed", "dismissed")


def test_people_outside_the_route_cannot_act(cast: Cast, alert: Alert) -> None:
    for outsider in (cast.fred, cast.olga, cast.victor):
        with pytest.raises(ActionRefused):
            actions.do_sign_alert(alert=alert, user=outsider)
    assert Alert.objects.get().status == "new"


def test_a_closed_alert_whose_problem_continues_is_reopened_with_a_note(cast: Cast, alert: Alert) -> None:
    actions.do_sign_alert(alert=alert, user=cast.dora)
    actions.do_request_dismissal(alert=alert, user=cast.dora, reason="已停发")
    actions.do_review_alert(alert=alert, user=cast.tom, approve=True)
    run_with(engine_hit(1))  # same periods: stays closed
    assert Alert.objects.get().status == "closed"
    run_with(engine_hit(1, periods=("2024-01", "2024-02", "2024-05")))
    alert = Alert.objects.get()
    assert (alert.status, alert.reopened_count) == ("new", 1)
    assert "2024-05" in alert.events.last().note  # type: ignore[union-attr]


def test_an_alert_whose_hit_is_not_found_again_is_marked_not_seen_and_kept(cast: Cast, alert: Alert) -> None:
    run_with()  # YKT01 ran and found nothing
    alert = Alert.objects.get()
    assert alert.not_seen and alert.hit.seen_in_latest is False


def test_overdue_alerts_escalate_medium_to_high_then_to_county_supervision(cast: Cast) -> None:
    run_with(engine_hit(3, level="medium"))
    alert = Alert.objects.get()
    later = alert.sign_due + dt.timedelta(hours=1)  # type: ignore[operator]
    assert actions.do_sweep(later)["raised"] == 1
    alert.refresh_from_db()
    assert (alert.level, alert.supervised) == ("high", False)
    assert actions.do_sweep(later)["raised"] == 0  # idempotent
    assert actions.do_sweep(alert.sign_due + dt.timedelta(hours=1))["supervised"] == 1  # type: ignore[operator]
    alert.refresh_from_db()
    assert alert.supervised and [e.kind for e in alert.events.all()][-2:] == ["escalated", "supervised"]


def test_a_signed_alert_is_not_overdue_for_signing(cast: Cast, alert: Alert) -> None:
    actions.do_sign_alert(alert=alert, user=cast.dora)
    counts = actions.do_sweep(alert.sign_due + dt.timedelta(hours=1))  # type: ignore[operator]
    assert counts == {"raised": 0, "supervised": 0, "talks": 0}


def test_a_village_with_two_high_alerts_in_a_year_gets_a_talk_task(cast: Cast) -> None:
    run_with(engine_hit(4), engine_hit(5, region=OTHER_VILLAGE))
    call_command("sweep")
    assert Talk.objects.count() == 0
    run_with(engine_hit(4), engine_hit(6))
    call_command("sweep")
    talk = Talk.objects.get()
    assert (talk.village_code, talk.high_alerts, talk.township) == (VILLAGE, 2, cast.township)
    call_command("sweep")
    assert Talk.objects.count() == 1


def _visible(user: User) -> set[int]:
    return set(alerts_for_user(user).values_list("pk", flat=True))


def test_jurisdiction_county_township_department_village(cast: Cast) -> None:
    run_with(
        engine_hit(10),  # village 1, 民政局
        engine_hit(11, region=OTHER_VILLAGE, department="财政局"),
        engine_hit(12, region=OTHER_TOWNSHIP[:9] + "201"),
    )
    ours, finance, elsewhere = (Alert.objects.get(hit__id_number=person(n)).pk for n in (10, 11, 12))
    assert _visible(cast.alice) == {ours, finance, elsewhere}
    assert _visible(cast.tom) == {ours, finance}
    assert _visible(cast.olga) == {elsewhere}
    assert _visible(cast.dora) == {ours, elsewhere}
    assert _visible(cast.fred) == {finance}
    assert _visible(cast.victor) == {ours}


def test_a_village_never_sees_an_alert_about_its_own_cadres_or_their_relatives(cast: Cast, tmp_path: Path) -> None:
    cadre, relative, villager = person(20, "19700101"), person(21, "19720101"), person(22, "19600101")
    officials = tmp_path / "officials.csv"
    officials.write_text(f"身份证号,姓名,村(社区)代码,职务,任职开始\n{cadre},村主任,{VILLAGE},村委会主任,2021-01-01\n")
    relatives = tmp_path / "relatives.csv"
    relatives.write_text(f"干部身份证号,亲属身份证号,关系\n{cadre},{relative},配偶\n")
    do_import_file("officials", officials)
    do_import_file("relatives", relatives)
    hits = [engine_hit(20, model="YKT03"), engine_hit(21, model="YKT03"), engine_hit(22, model="YKT03")]
    for hit, number in zip(hits, (cadre, relative, villager), strict=True):
        hit.id_number = number
        hit.key = {"id_number": number, "program_code": "DB01"}
        hit.fingerprint = number.ljust(64, "0")
    run_with(*hits, models=("YKT03",))
    visible = set(alerts_for_user(cast.victor).values_list("hit__id_number", flat=True))
    assert visible == {villager}
    assert set(alerts_for_user(cast.tom).values_list("hit__id_number", flat=True)) == {cadre, relative, villager}


def test_only_a_county_administrator_changes_deadlines_and_it_is_recorded(cast: Cast) -> None:
    with pytest.raises(ActionRefused):
        actions.do_set_deadline_policy(user=cast.tom, level="high", sign_days=2, result_days=5)
    actions.do_set_deadline_policy(user=cast.alice, level="high", sign_days=2, result_days=5)
    assert actions.deadlines_for("high") == (2, 5)
    assert AuditEntry.objects.filter(action="settings.deadlines").count() == 1


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[dict[str, object]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Receiver.bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"errcode":0}')

    def log_message(self, *args: object) -> None:
        pass


def test_the_webhook_posts_a_markdown_message_dingtalk_and_wecom_accept(
    cast: Cast, settings: object, django_capture_on_commit_callbacks: object
) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Receiver.bodies.clear()
    try:
        settings.WEBHOOK_URLS = [f"http://127.0.0.1:{server.server_port}/robot/send"]  # type: ignore[attr-defined]
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
            run_with(engine_hit(30))
    finally:
        server.shutdown()
    (body,) = _Receiver.bodies
    assert body["msgtype"] == "markdown"
    markdown = body["markdown"]
    assert isinstance(markdown, dict)
    assert markdown["title"].startswith("新预警") and markdown["text"] == markdown["content"]  # DingTalk / WeCom
    assert person(30) not in markdown["text"] and "/console/alerts/" in markdown["text"]
    # Group chats get the presenter's message form: the name masked too (测试30 → 测***).
    assert "测试30" not in markdown["text"] and "测***" in markdown["text"]
    # The inbox of the handlers keeps the name: they verify the case.
    assert Notification.objects.filter(message__contains="测试30").exists()
