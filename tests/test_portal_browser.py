"""A villager's phone (Debian's Chromium at 375 px through Playwright) on the public portal:
open a village by its QR address, read a corrected disclosure and its history, read a masked
payment list, look up one's own payments (a wrong factor refused, the right one answered, an ID
locked after repeated failures), subscribe, and be told by text message when the next payment
roll is imported (a local receiver stands in for the SMS gateway). Screenshots go to
test-artifacts/portal-*.png.

Runs where /usr/bin/chromium exists (CI installs it with apt-get); never downloads a browser.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings, settings
from django.db import connections

from mingjing.accounts.models import Organisation
from mingjing.datahub.actions import do_import_file
from mingjing.portal import disclosures, qr
from tests.alerts_fixtures import person
from tests.personas import org, staff

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
TOWNSHIP = "110101001000"
VILLAGE = "110101001201"
ME = person(11, "19560304")  # the villager using the phone (synthetic)
NEIGHBOUR = person(12, "19480101")
ACCOUNT = "6228480000012345678"  # synthetic; only its last four digits are ever shown
PHONE = "13912345678"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"),
]


class Receiver(BaseHTTPRequestHandler):
    """The SMS gateway: keeps every JSON body it is sent."""

    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        Receiver.received.append(json.loads(self.rfile.read(length)))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sms"
    finally:
        server.shutdown()


@pytest.fixture
def phone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        try:
            context = chromium.new_context(viewport={"width": 375, "height": 812}, is_mobile=True,
                                           has_touch=True, device_scale_factor=2, locale="zh-CN",
                                           java_script_enabled=False)  # readable without JavaScript
            yield context.new_page()
        finally:
            chromium.close()
            connections.close_all()


def roll(tmp_path: Path, name: str, rows: list[tuple[str, str, str, str, str]]) -> Path:
    path = tmp_path / name
    lines = ["项目编码,身份证号码,姓名,村(社区)代码,发放年月,发放金额,一卡通账号"]
    lines += [",".join((program, id_number, who, VILLAGE, period, amount, account))
              for id_number, who, period, amount, account in rows for program in ["DB01"]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def county(tmp_path: Path) -> None:
    org(Organisation.Kind.COUNTY_COMMISSION, "县纪委监委", "110101000000")
    org(Organisation.Kind.TOWNSHIP_COMMISSION, "城关镇", TOWNSHIP)
    village = org(Organisation.Kind.VILLAGE, "青山村", VILLAGE)
    bookkeeper = staff("bookkeeper", village, "village_bookkeeper")
    supervisor = staff("supervisor", village, "village_supervisor")
    programs = tmp_path / "programs.csv"
    programs.write_text("项目编码,项目名称,类别,主管部门,发放标准\nDB01,农村低保,低保,民政局,520\n", encoding="utf-8")
    do_import_file("programs", programs)
    do_import_file("payments", roll(tmp_path, "roll-1.csv", [
        (ME, "王秀英", "2026-09", "520.00", ACCOUNT), (ME, "王秀英", "2026-10", "520.00", ACCOUNT),
        (NEIGHBOUR, "李建国", "2026-09", "520.00", "6228480000098765432"),
        (NEIGHBOUR, "李建国", "2026-10", "520.00", "6228480000098765432"),
    ]))
    item = disclosures.do_create_draft(user=bookkeeper, village_code=VILLAGE, category="CW03", period="2026-10",
                                       title="2026年10月集体资金支出明细", body="道路维修支出 12,000 元。")
    disclosures.do_submit(user=bookkeeper, disclosure=item)
    disclosures.do_approve(user=supervisor, disclosure=item)
    fix = disclosures.do_correct(user=bookkeeper, disclosure=item, change_note="道路维修金额录入有误，更正为 10,200 元",
                                 body="道路维修支出 10,200 元。")
    disclosures.do_submit(user=bookkeeper, disclosure=fix)
    disclosures.do_approve(user=supervisor, disclosure=fix)


def look_up(page: Any, base: str, id_number: str, name: str, last4: str) -> str:
    page.goto(f"{base}/v/{VILLAGE}/lookup/")
    page.fill("input[name=id_number]", id_number)
    page.fill("input[name=name]", name)
    page.fill("input[name=account_last4]", last4)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    return str(page.content())


def test_a_villager_on_a_phone(live_server: Any, transactional_db: None, phone: Any, receiver: str,
                               settings: LazySettings, tmp_path: Path) -> None:
    settings.BASE_URL = live_server.url
    settings.PORTAL_SMS_URL = receiver
    settings.PORTAL_LOOKUP_FAILURES = 3
    settings.PORTAL_LOOKUPS_PER_MINUTE = 100
    ARTIFACTS.mkdir(exist_ok=True)
    county(tmp_path)
    page = phone

    # The QR code's address opens the village page.
    page.goto(qr.village_url(VILLAGE))
    assert "青山村" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing scrolls sideways
    page.screenshot(path=str(ARTIFACTS / "portal-village.png"), full_page=True)

    # A corrected disclosure: the current version, marked corrected, and what changed.
    page.click("text=财务公开")
    page.click("text=2026年10月集体资金支出明细")
    text = page.content()
    assert "10,200" in text and "道路维修金额录入有误" in text
    assert "12,000" in text  # the earlier version stays readable
    page.screenshot(path=str(ARTIFACTS / "portal-disclosure.png"), full_page=True)

    # The masked payment list: surnames only, no ID or account numbers.
    page.goto(f"{live_server.url}/v/{VILLAGE}/subsidies/")
    page.locator("a[href*='/subsidies/DB01/']").first.click()
    text = page.content()
    assert "王*" in text and "李*" in text
    assert "王秀英" not in text and ME not in text and ACCOUNT not in text
    page.screenshot(path=str(ARTIFACTS / "portal-subsidies.png"), full_page=True)

    # Self-lookup: a wrong factor is refused, the right one answered.
    refused = look_up(page, live_server.url, ME, "王秀英", "0000")
    assert "520" not in refused.split("<form")[0] and ME not in refused
    answered = look_up(page, live_server.url, ME, "王秀英", ACCOUNT[-4:])
    assert "520" in answered and "农村低保" in answered and ME not in answered
    page.screenshot(path=str(ARTIFACTS / "portal-lookup.png"), full_page=True)

    # Subscribe with a phone number; the confirmation reaches the gateway.
    page.fill("input[name=phone]", PHONE)
    page.locator("form[action*='subscribe'] button[type=submit]").click()
    page.wait_for_load_state()
    assert PHONE not in page.content() and "139****5678" in page.content()
    page.screenshot(path=str(ARTIFACTS / "portal-subscribed.png"), full_page=True)
    assert any(m.get("phone") == PHONE for m in Receiver.received)

    # Repeated failures lock the neighbour's ID: even the right digits are refused then.
    for _ in range(3):
        look_up(page, live_server.url, NEIGHBOUR, "李建国", "1111")
    locked = look_up(page, live_server.url, NEIGHBOUR, "李建国", "5432")
    assert "520" not in locked.split("<form")[0]
    page.screenshot(path=str(ARTIFACTS / "portal-locked.png"), full_page=True)

    # The next roll is imported: the subscriber is told of the new payment, masked.
    before = len(Receiver.received)
    do_import_file("payments", roll(tmp_path, "roll-2.csv", [(ME, "王秀英", "2026-11", "540.00", ACCOUNT)]))
    told = [m for m in Receiver.received[before:] if m.get("phone") == PHONE]
    assert told, Receiver.received
    assert any("540" in m["text"] for m in told)
    assert not any(ACCOUNT in m["text"] or ME in m["text"] for m in told)
