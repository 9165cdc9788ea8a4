"""A real browser (Debian's Chromium through Playwright) takes an alert from new to closed and
draws the cockpit. Screenshots go to test-artifacts/ (gitignored).

Runs where /usr/bin/chromium exists (CI installs it with apt-get); never downloads a browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings, settings
from django.contrib.auth.models import User
from django.db import connections

from mingjing.alerts.models import Alert
from tests.alerts_fixtures import (
    OTHER_TOWNSHIP,
    OTHER_VILLAGE,
    Cast,
    engine_hit,
    make_cast,
    person,
    run_with,
)

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"),
]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        try:
            yield chromium
        finally:
            chromium.close()
            # The test's ORM calls ran inside Playwright's greenlet, whose context has its own
            # database connection: close it, or PostgreSQL cannot drop the test database.
            connections.close_all()


@pytest.fixture(autouse=True)
def fast_passwords_and_media(settings: LazySettings, tmp_path: Path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cast(alice: User) -> Cast:
    cast = make_cast(alice)
    run_with(
        engine_hit(1),
        engine_hit(2, level="medium", amount="300.00"),
        engine_hit(3, model="YKT02", region=OTHER_VILLAGE, level="low", amount="99.00"),
        engine_hit(4, region=OTHER_TOWNSHIP[:9] + "201", amount="800.00"),
        models=("YKT01", "YKT02"),
    )
    return cast


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"{username}-password")
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_load_state()


def test_a_township_officer_closes_an_alert_and_the_cockpit_draws_its_charts(
    cast: Cast, live_server: Any, browser: Any
) -> None:
    alert = Alert.objects.get(hit__id_number=person(1))
    ARTIFACTS.mkdir(exist_ok=True)
    base = live_server.url

    # 1. Tom finds the alert in his tasks, signs for it and reports it "not confirmed".
    tom = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone
    page = tom.new_page()
    log_in(page, base, "tom")
    page.goto(f"{base}/console/tasks/")
    page.click(f'tr[data-alert="{alert.pk}"] a[href="/console/alerts/{alert.pk}/"]')
    page.wait_for_selector('[data-colour="red"]')
    page.click("#action-sign button[type=submit]")
    page.wait_for_selector('h2 [data-colour="yellow"]')
    page.check('input[name="submit_result-result"][value="not_confirmed"]')
    page.fill('textarea[name="submit_result-account"]', "经入户核实，系死亡登记错误，本人健在。")
    page.click("#action-submit_result button[type=submit]")
    page.wait_for_selector('li[data-kind="result_submitted"]')
    assert Alert.objects.get(pk=alert.pk).status == "under_review"
    page.screenshot(path=str(ARTIFACTS / "alert-phone.png"), full_page=True)

    # 2. The alert list filters with htmx, without a page load.
    page.goto(f"{base}/console/alerts/")
    page.click("#filters-title")  # the filter panel opens on demand on a phone
    page.select_option("#id_colour", "yellow")
    page.wait_for_function("document.querySelectorAll('#alerts tr[data-alert]').length === 1")
    assert page.get_attribute("#alerts tr[data-alert]", "data-alert") == str(alert.pk)
    assert "colour=yellow" in page.url  # the filter is in the address, so a reload keeps it
    page.screenshot(path=str(ARTIFACTS / "alerts-phone.png"), full_page=True)
    tom.close()

    # 3. The county reviews and approves it: closed, green.
    county = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = county.new_page()
    log_in(page, base, "alice")
    page.goto(f"{base}/console/alerts/{alert.pk}/")
    page.check('input[name="review-decision"][value="approve"]')
    page.click("#action-review button[type=submit]")
    page.wait_for_selector('h2 [data-colour="green"]')
    kinds = page.eval_on_selector_all("#timeline li", "items => items.map(i => i.dataset.kind)")
    assert kinds == ["created", "signed", "result_submitted", "approved"]
    assert Alert.objects.get(pk=alert.pk).status == "closed"

    # 4. The cockpit draws every chart (ECharts renders into a canvas).
    page.goto(f"{base}/console/cockpit/")
    charts = page.eval_on_selector_all("[data-chart]", "els => els.map(e => e.dataset.chart)")
    assert set(charts) == {"colour", "level", "monthly", "model", "money", "villages", "visits",
                           "complaint_category", "complaint_status"}
    for chart in charts:
        page.wait_for_selector(f'[data-chart="{chart}"] canvas', timeout=10_000)
    assert page.inner_text("#kpi-green") == "1"
    page.wait_for_timeout(800)  # let the opening animations finish before the screenshot
    page.screenshot(path=str(ARTIFACTS / "cockpit.png"), full_page=True)
    assert (ARTIFACTS / "cockpit.png").stat().st_size > 10_000
    county.close()
