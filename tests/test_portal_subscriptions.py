"""Subscriptions (绑定订阅): subscribing with a lookup pass, the messages an import causes (new and
missing payments, never twice), the channels against a local receiver, failures and retries,
leaving in one step, and the staff outbox. No page or message shows a full phone number."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mingjing.accounts.models import Organisation, Role
from mingjing.audit.models import AuditEntry
from mingjing.datahub import actions
from mingjing.datahub.models import Batch
from mingjing.portal import passes, subscriptions
from mingjing.portal.models import LookupPass, OutboundMessage, Subscription
from tests.files import PAYMENT_HEADERS, VILLAGE, person, write_text
from tests.personas import org, staff

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
MASKED = "139****5678"
ACCOUNT = "6217000012345678"
TOWNSHIP = VILLAGE[:9] + "000"


class Receiver:
    """A local SMS gateway / WeChat API: records every JSON body, answers with `status` and `reply`."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []
        self.status = 200
        self.reply: dict[str, Any] = {"ok": True}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                receiver.headers.append(dict(self.headers))
                receiver.paths.append(self.path)
                answer = json.dumps(receiver.reply).encode()
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def texts(self) -> list[str]:
        return [b.get("text", "") for b in self.bodies]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings: LazySettings) -> Iterator[Receiver]:
    found = Receiver()
    settings.PORTAL_SMS_URL = found.url + "/sms"
    settings.PORTAL_SMS_TOKEN = "test-gateway-token"
    yield found
    found.close()


@pytest.fixture
def county() -> None:
    org(Organisation.Kind.TOWNSHIP_COMMISSION, "城关镇", TOWNSHIP)
    org(Organisation.Kind.VILLAGE, "青山村", VILLAGE)


def villager(n: int) -> str:
    return "张" + "〇一二三四五六七八九"[n % 10]


def roll(tmp_path: Path, name: str, period: str, *people: int, amount: str = "120.50") -> Batch:
    """A payments batch for `people` of VILLAGE in `period`, each with an account number."""
    rows = [[*PAYMENT_HEADERS, "一卡通账号"]]
    rows += [["P01", person(n), villager(n), VILLAGE, period, amount, f"62170000{n:04d}5678"] for n in people]
    path = write_text(tmp_path / name, rows)
    return actions.do_import_file("payments", path, force=True)


def subscribe(n: int = 1, phone: str = PHONE) -> Subscription:
    lookup_pass = LookupPass.objects.get(token=passes.issue(person(n), VILLAGE))
    sub, _ = subscriptions.do_subscribe(lookup_pass=lookup_pass, channel="sms", address=phone)
    return sub


def messages(kind: str) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(kind=kind).order_by("id"))


# -- the notifier against a local receiver ----------------------------------------------------------------


def test_an_import_tells_the_subscriber_of_a_new_payment(tmp_path: Path, receiver: Receiver,
                                                          django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        sub = subscribe(1)
    assert len(receiver.bodies) == 1  # the confirmation
    assert receiver.bodies[0]["phone"] == PHONE  # the gateway needs the number; nobody else sees it
    assert f"/v/unsubscribe/{sub.unsubscribe_token}/" in receiver.bodies[0]["text"]
    assert receiver.headers[0]["Authorization"] == "Bearer test-gateway-token"

    batch = roll(tmp_path, "july.csv", "2021-07", 1, 2)
    assert batch.status == Batch.Status.ACTIVE
    assert len(receiver.bodies) == 2  # person 2 has no subscription
    text = receiver.bodies[1]["text"]
    assert "P01" in text and "2021年7月" in text and "120.50元" in text
    assert "尾号5678" in text and "62170000" not in text  # the account's last four only
    assert person(1) not in text
    message = messages("new_payment")[0]
    assert message.status == OutboundMessage.Status.SENT and message.attempts == 1 and message.sent_at


def test_a_missing_payment_is_told_once_and_reruns_tell_nobody_twice(tmp_path: Path, receiver: Receiver) -> None:
    subscribe(1)
    roll(tmp_path, "july.csv", "2021-07", 1, 2)
    august = roll(tmp_path, "august.csv", "2021-08", 2, 3)  # person 1 left out, others paid
    missing = messages("missing_payment")
    assert len(missing) == 1
    assert "2021年7月" in missing[0].text and "2021年8月" in missing[0].text and "村委会或乡镇政府" in missing[0].text
    assert any("应发未见" in t for t in receiver.texts())
    sent = len(receiver.bodies)

    subscriptions.notify_batch(august)  # a rerun
    actions.do_import_file("payments", Path(tmp_path / "august.csv"), force=True)  # a re-import
    roll(tmp_path, "july-again.csv", "2021-07", 1)  # July again: told already
    assert len(receiver.bodies) == sent
    assert len(messages("missing_payment")) == 1 and len(messages("new_payment")) == 1


def test_a_roll_of_another_village_is_no_missing_payment(tmp_path: Path, receiver: Receiver) -> None:
    subscribe(1)
    roll(tmp_path, "july.csv", "2021-07", 1)
    other = [[*PAYMENT_HEADERS], ["P01", person(5), "测试5", VILLAGE[:-1] + "9", "2021-08", "100"]]
    actions.do_import_file("payments", write_text(tmp_path / "other.csv", other))
    assert messages("missing_payment") == []


def test_only_payments_new_to_the_lake_and_recent_are_news(tmp_path: Path, receiver: Receiver) -> None:
    roll(tmp_path, "july.csv", "2021-07", 1)  # before subscribing: looked up, not news
    subscribe(1)

    def months(name: str, first: int, last: int) -> list[str]:
        rows = [[*PAYMENT_HEADERS, "一卡通账号"]]
        rows += [["P01", person(1), villager(1), VILLAGE, f"2021-{m:02d}", "10", "6217000000015678"]
                 for m in range(first, last + 1)]
        actions.do_import_file("payments", write_text(tmp_path / name, rows))
        return sorted(m.dedupe_key.rsplit(":", 1)[1] for m in messages("new_payment"))

    assert months("summer.csv", 6, 8) == ["2021-06-01", "2021-08-01"]  # July was in the lake already
    assert months("year.csv", 1, 12)[2:] == ["2021-10-01", "2021-11-01", "2021-12-01"]  # the last three


def test_without_a_gateway_messages_stay_in_the_outbox(tmp_path: Path, settings: LazySettings) -> None:
    settings.PORTAL_SMS_URL = ""
    subscribe(1)
    roll(tmp_path, "july.csv", "2021-07", 1)
    message = messages("new_payment")[0]
    assert message.status == OutboundMessage.Status.OUTBOX and message.attempts == 0 and not message.error
    assert subscriptions.retry_failed() == {"sent": 0, "outbox": 0, "failed": 0}


def test_a_failing_gateway_is_recorded_and_retried(tmp_path: Path, receiver: Receiver) -> None:
    subscribe(1)
    receiver.status = 500
    roll(tmp_path, "july.csv", "2021-07", 1)
    message = messages("new_payment")[0]
    assert message.status == OutboundMessage.Status.FAILED
    assert message.error == "HTTP 500" and message.attempts == 1
    receiver.status = 200
    assert subscriptions.retry_failed()["sent"] == 1
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT and message.attempts == 2 and message.error == ""


def test_an_unreachable_gateway_stops_being_called_and_gives_up_after_five(
        tmp_path: Path, settings: LazySettings) -> None:
    dead = Receiver()
    dead.close()  # nothing listens there any more
    settings.PORTAL_SMS_URL = dead.url
    for n in range(1, 6):
        subscribe(n, phone=f"1391234567{n}")
    roll(tmp_path, "july.csv", "2021-07", 1, 2, 3, 4, 5)
    found = messages("new_payment")
    assert all(m.status == OutboundMessage.Status.FAILED for m in found)
    assert [m.attempts for m in found] == [1, 1, 1, 0, 0]  # the breaker: three in a row, the rest wait
    assert "gateway" in found[-1].error
    for _ in range(10):  # three tries per sweep while the gateway is down, the least tried first
        subscriptions.retry_failed()
    assert {m.attempts for m in messages("new_payment")} == {subscriptions.MAX_ATTEMPTS}


def test_a_failing_notifier_never_fails_the_import(tmp_path: Path, receiver: Receiver,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    subscribe(1)

    def broken(*args: Any) -> Any:
        raise RuntimeError("lake unreadable")

    monkeypatch.setattr(subscriptions, "read_lake", broken)
    assert roll(tmp_path, "july.csv", "2021-07", 1).status == Batch.Status.ACTIVE


def test_other_datasets_tell_nobody(tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    subscribe(1)
    called: list[Any] = []
    monkeypatch.setattr(subscriptions, "notify_batch", called.append)
    subscriptions.on_batch_activated(Batch, Batch(dataset="persons"))
    assert called == []


def test_wechat_follows_the_subscribe_message_api(tmp_path: Path, settings: LazySettings) -> None:
    wechat = Receiver()
    try:
        settings.PORTAL_WECHAT_URL = wechat.url + "/cgi-bin/message/subscribe/send"
        settings.PORTAL_WECHAT_TOKEN = "ACCESS"
        settings.PORTAL_WECHAT_TEMPLATE = "TEMPLATE-1"
        lookup_pass = LookupPass.objects.get(token=passes.issue(person(1), VILLAGE))
        subscriptions.do_subscribe(lookup_pass=lookup_pass, channel="wechat", address="oABCDEFGHIJKLMNOPQRSTUVWX")
        wechat.reply = {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
        roll(tmp_path, "july.csv", "2021-07", 1)
        body = wechat.bodies[-1]
        assert body["touser"] == "oABCDEFGHIJKLMNOPQRSTUVWX" and body["template_id"] == "TEMPLATE-1"
        assert all(len(v["value"]) <= 20 for v in body["data"].values())
        assert "access_token=ACCESS" in wechat.paths[-1]
        message = messages("new_payment")[0]
        assert message.status == OutboundMessage.Status.FAILED and "43101" in message.error
        wechat.reply = {"errcode": 0, "errmsg": "ok"}
        assert subscriptions.retry_failed()["sent"] == 1
    finally:
        wechat.close()


# -- subscribing and leaving through the pages ---------------------------------------------------------------


def post_subscribe(client: Client, token: str, **fields: str) -> Any:
    return client.post(reverse("portal:subscribe", args=[VILLAGE]),
                       {"pass": token, "channel": "sms", **fields})


def test_subscribing_from_a_lookup_pass_shows_the_number_masked(county: None, receiver: Receiver,
                                                               django_capture_on_commit_callbacks: Any) -> None:
    token = passes.issue(person(1), VILLAGE)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_subscribe(Client(), token, phone="+86 139-1234-5678")
    page = response.content.decode()
    assert response.status_code == 200
    assert MASKED in page and PHONE not in page
    sub = Subscription.objects.get()
    assert sub.address == PHONE and sub.id_key == subscriptions.id_key(person(1)) and sub.active
    assert reverse("portal:unsubscribe", args=[sub.unsubscribe_token]) in page
    assert len(receiver.bodies) == 1
    entry = AuditEntry.objects.get(action="portal.subscribe")
    assert entry.detail["address"] == MASKED and PHONE not in json.dumps(entry.detail)

    again = post_subscribe(Client(), token, phone=PHONE)  # the same number again: nothing new
    assert again.status_code == 200 and Subscription.objects.count() == 1 and len(receiver.bodies) == 1


def test_from_the_lookup_answer_to_the_message_of_the_next_import(
        tmp_path: Path, county: None, receiver: Receiver, django_capture_on_commit_callbacks: Any) -> None:
    """The whole path: look up (the lake's page), subscribe from its answer, import, get told."""
    roll(tmp_path, "july.csv", "2021-07", 1, 2)
    client = Client()
    answer = client.post(reverse("portal:lookup", args=[VILLAGE]),
                         {"id_number": person(1), "name": villager(1), "account_last4": "5678"})
    assert answer.status_code == 200, answer.content.decode()[:2000]
    page = answer.content.decode()
    assert 'name="pass"' in page and reverse("portal:subscribe", args=[VILLAGE]) in page
    token = re.search(r'name="pass" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    with django_capture_on_commit_callbacks(execute=True):
        done = post_subscribe(client, token, phone=PHONE)
    assert done.status_code == 200 and done["Cache-Control"] == "no-store"
    roll(tmp_path, "august.csv", "2021-08", 1, 2, amount="99.00")
    assert "2021年8月" in receiver.texts()[-1] and "99.00元" in receiver.texts()[-1]


@pytest.mark.parametrize("phone", ["12345", "23912345678", "1391234567x", "139123456789", "<script>", "1" * 5000])
def test_a_bad_phone_number_is_refused_and_kept_as_typed(county: None, phone: str) -> None:
    token = passes.issue(person(1), VILLAGE)
    response = post_subscribe(Client(), token, phone=phone)
    assert response.status_code == 400
    page = response.content.decode()
    assert "11位手机号码" in page or "20" in page  # the length limit speaks first for the overlong one
    assert "<script>" not in page
    if len(phone) <= 20:
        assert f'value="{phone}"'.replace("<", "&lt;").replace(">", "&gt;") in page
    assert token in page  # the pass is kept: the villager corrects and sends again
    assert Subscription.objects.count() == 0


@pytest.mark.parametrize("token", ["forged-token", "", "x" * 5000, "' OR 1=1 --"])
def test_a_forged_pass_subscribes_nobody(county: None, token: str) -> None:
    passes.issue(person(1), VILLAGE)
    response = post_subscribe(Client(), token, phone=PHONE)
    assert response.status_code == 403
    assert Subscription.objects.count() == 0


def test_an_expired_pass_or_one_of_another_village_subscribes_nobody(county: None) -> None:
    token = passes.issue(person(1), VILLAGE)
    LookupPass.objects.filter(token=token).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert post_subscribe(Client(), token, phone=PHONE).status_code == 403
    elsewhere = passes.issue(person(1), VILLAGE[:-1] + "9")
    assert post_subscribe(Client(), elsewhere, phone=PHONE).status_code == 403
    assert Subscription.objects.count() == 0


def test_an_unconfigured_channel_is_refused(county: None) -> None:
    token = passes.issue(person(1), VILLAGE)
    response = post_subscribe(Client(), token, phone=PHONE, channel="wechat", openid="o" * 20)
    assert response.status_code == 400 and Subscription.objects.count() == 0


def test_subscribing_is_rate_limited_per_client(county: None) -> None:
    client = Client()
    token = passes.issue(person(1), VILLAGE)
    codes = [post_subscribe(client, token, phone="123").status_code for _ in range(subscriptions.SUBSCRIBES_PER_HOUR + 1)]
    assert codes[:-1] == [400] * subscriptions.SUBSCRIBES_PER_HOUR and codes[-1] == 429


def test_a_get_leads_back_to_the_village(county: None) -> None:
    response = Client().get(reverse("portal:subscribe", args=[VILLAGE]))
    assert response.status_code == 302 and response["Location"] == reverse("portal:village", args=[VILLAGE])


def test_unsubscribing_takes_one_tap_and_the_link_alone_changes_nothing(
        tmp_path: Path, county: None, receiver: Receiver) -> None:
    sub = subscribe(1)
    url = reverse("portal:unsubscribe", args=[sub.unsubscribe_token])
    page = Client().get(url)
    assert page.status_code == 200 and MASKED in page.content.decode() and PHONE not in page.content.decode()
    sub.refresh_from_db()
    assert sub.active  # a GET (a link preview) ends nothing
    done = Client().post(url)
    assert done.status_code == 200 and MASKED in done.content.decode()
    sub.refresh_from_db()
    assert not sub.active and sub.ended_at
    assert AuditEntry.objects.get(action="portal.unsubscribe").detail["address"] == MASKED
    assert Client().post(url).status_code == 200  # again: already ended, no second entry
    assert AuditEntry.objects.filter(action="portal.unsubscribe").count() == 1
    roll(tmp_path, "july.csv", "2021-07", 1)
    assert messages("new_payment") == []  # nobody to tell any more


@pytest.mark.parametrize("token", ["nope", "x" * 500, "%3Cscript%3E"])
def test_an_unknown_unsubscribe_link_is_not_found(county: None, token: str) -> None:
    subscribe(1)
    assert Client().get(f"/v/unsubscribe/{token}/").status_code == 404
    assert Client().post(f"/v/unsubscribe/{token}/").status_code == 404
    assert Subscription.objects.get().active


def test_subscribing_again_after_leaving_makes_a_new_link(county: None) -> None:
    sub = subscribe(1)
    old = sub.unsubscribe_token
    subscriptions.do_unsubscribe(old)
    again = subscribe(1)
    assert again.pk == sub.pk and again.active and again.unsubscribe_token != old
    assert messages("subscribed")[-1].dedupe_key.endswith(again.unsubscribe_token)


# -- the staff outbox ------------------------------------------------------------------------------------------


def staff_in(kind: str, region: str, role: Role, name: str) -> User:
    return staff(name, org(kind, name, region), role)


def test_the_outbox_shows_numbers_masked_and_only_within_jurisdiction(
        tmp_path: Path, county: None, alice: User, receiver: Receiver) -> None:
    subscribe(1)
    receiver.status = 500
    roll(tmp_path, "july.csv", "2021-07", 1)
    client = Client()
    client.force_login(alice)
    page = client.get(reverse("console:portal_outbox")).content.decode()
    assert MASKED in page and PHONE not in page
    sub = Subscription.objects.get()
    assert sub.unsubscribe_token not in page  # the villager's key is not the staff's
    assert "HTTP 500" in page and "尾号5678" in page
    failed = client.get(reverse("console:portal_outbox"), {"status": "failed"}).content.decode()
    assert '<td class="nowrap">新发放</td>' in failed and '<td class="nowrap">订阅确认</td>' not in failed

    receiver.status = 200
    message = messages("new_payment")[0]
    response = client.post(reverse("console:portal_outbox_resend", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
    entry = AuditEntry.objects.get(action="portal.message_resent")
    assert PHONE not in json.dumps(entry.detail)

    township = staff_in(Organisation.Kind.TOWNSHIP_COMMISSION, TOWNSHIP, Role.TOWNSHIP_OFFICER, "township")
    other = staff_in(Organisation.Kind.TOWNSHIP_COMMISSION, "110101002000", Role.TOWNSHIP_OFFICER, "other")
    village = staff_in(Organisation.Kind.VILLAGE, VILLAGE, Role.VILLAGE_SECRETARY, "village")
    for user, sees in ((township, True), (other, False)):
        client.force_login(user)
        page = client.get(reverse("console:portal_outbox")).content.decode()
        assert (MASKED in page) is sees and PHONE not in page
        assert client.post(reverse("console:portal_outbox_resend", args=[message.pk])).status_code == (403 if sees else 404)
    client.force_login(village)
    assert client.get(reverse("console:portal_outbox")).status_code == 403
    assert Client().get(reverse("console:portal_outbox")).status_code == 302  # to sign in


def test_seed_demo_is_idempotent(tmp_path: Path, settings: LazySettings) -> None:
    settings.PORTAL_SMS_URL = ""
    roll(tmp_path, "july.csv", "2021-07", 1, 2, 3, 4)
    first = subscriptions.seed_demo()
    assert first["subscriptions"] == 3 and first["messages"] == 3
    assert subscriptions.seed_demo() == {"subscriptions": 0, "messages": 0}
    assert all(m.status == OutboundMessage.Status.OUTBOX for m in OutboundMessage.objects.all())
