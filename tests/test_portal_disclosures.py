"""三务公开: the lifecycle (draft → submit → approve → public), who may do what, corrections
that keep the old version visible, hostile input, bulk import (all rows or none), the public
pages, and the deadline sweep that makes overdue items GK01 alerts for the township commission."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mingjing.accounts.models import Organisation, Role
from mingjing.accounts.policy import Refused
from mingjing.alerts.models import Alert
from mingjing.analysis.models import Hit
from mingjing.audit.models import AuditEntry
from mingjing.lib.ids import check_char
from mingjing.portal import disclosures as d
from mingjing.portal.categories import BUILTIN, sync_categories
from mingjing.portal.models import Disclosure, DisclosureCategory
from tests.personas import make_personas, org, staff

pytestmark = pytest.mark.django_db

VILLAGE = "110101001201"
OTHER = "110101001202"
TOWNSHIP = "110101001000"
OTHER_TOWNSHIP = "110101002000"
S = Disclosure.Status


@pytest.fixture
def cast() -> dict[str, Any]:
    sync_categories()
    county = org(Organisation.Kind.COUNTY_COMMISSION, "县纪委监委", "110101000000")
    township = org(Organisation.Kind.TOWNSHIP_COMMISSION, "城关镇纪委", TOWNSHIP)
    other_township = org(Organisation.Kind.TOWNSHIP_COMMISSION, "东河镇纪委", OTHER_TOWNSHIP)
    department = org(Organisation.Kind.DEPARTMENT, "县民政局", department="民政局")
    village = org(Organisation.Kind.VILLAGE, "青山村", VILLAGE)
    other = org(Organisation.Kind.VILLAGE, "绿水村", OTHER)
    people = make_personas(county=county, township=township, other_township=other_township,
                           department=department, village=village)
    people["other_secretary"] = staff("other_secretary", other, Role.VILLAGE_SECRETARY)
    people["other_supervisor"] = staff("other_supervisor", other, Role.VILLAGE_SUPERVISOR)
    people["township"] = township
    return people


def _draft(user: User | None, village: str = VILLAGE, **more: Any) -> Disclosure:
    fields = {"category": "CW03", "period": "2026-03", "title": "2026年3月各项支出公开",
              "body": "本月支出合计 3,200.00 元。\n路灯维修 800.00 元。"} | more
    return d.do_create_draft(user=user, village_code=village, **fields)


def _published(cast: dict[str, Any], **more: Any) -> Disclosure:
    item = _draft(cast["village_secretary"], **more)
    d.do_submit(user=cast["village_secretary"], disclosure=item)
    return d.do_approve(user=cast["village_supervisor"], disclosure=item)


def _page(url: str) -> tuple[int, str]:
    response = Client().get(url)
    return response.status_code, response.content.decode()


# -- categories ------------------------------------------------------------------------------------


def test_builtins_are_synced_and_county_edits_kept(cast: dict[str, Any]) -> None:
    codes = set(DisclosureCategory.objects.filter(builtin=True).values_list("code", flat=True))
    assert {b.code for b in BUILTIN} <= codes
    finance = DisclosureCategory.objects.filter(section="finance", code__startswith="CW")
    assert sorted(finance.values_list("name", flat=True)) == sorted(
        ["财务计划", "各项收入", "各项支出", "各项资产", "各类资源", "债权债务", "收益分配", "其他"])
    cat = DisclosureCategory.objects.get(code="CW04")
    d.do_update_category(user=cast["county_admin"], category=cat, cadence="monthly", due_day=10, active=True)
    DisclosureCategory.objects.filter(code="CW04").update(name="被改掉的名字")
    sync_categories()
    cat.refresh_from_db()
    assert (cat.cadence, cat.due_day, cat.name) == ("monthly", 10, "各项资产")
    x = d.do_add_category(user=cast["county_admin"], section="village", name="村级工程用工", cadence="quarterly", due_day=15)
    assert x.code == "X01" and not x.builtin
    with pytest.raises(Refused):
        d.do_add_category(user=cast["township_officer"], section="village", name="乡镇自定", cadence="yearly", due_day=5)
    client = Client()
    client.force_login(cast["county_admin"])
    assert client.get(reverse("console:portal_categories")).status_code == 200
    client.force_login(cast["village_secretary"])
    assert client.get(reverse("console:portal_categories")).status_code == 403


# -- the lifecycle ---------------------------------------------------------------------------------


def test_draft_submit_approve_goes_public(cast: dict[str, Any]) -> None:
    item = _draft(cast["village_secretary"])
    public_list = reverse("portal:disclosures", args=[VILLAGE, "finance"])
    public_item = reverse("portal:disclosure", args=[VILLAGE, item.pk])
    assert "各项支出公开" not in _page(public_list)[1]
    assert _page(public_item)[0] == 404  # a draft is never public
    d.do_submit(user=cast["village_secretary"], disclosure=item)
    assert _page(public_item)[0] == 404  # nor an item awaiting approval
    d.do_approve(user=cast["village_supervisor"], disclosure=item)
    item.refresh_from_db()
    assert item.status == S.PUBLISHED and item.approved_by == cast["village_supervisor"]
    status, page = _page(public_list)
    assert status == 200 and "2026年3月各项支出公开" in page and "2026年3月" in page
    status, page = _page(public_item)
    assert status == 200 and "路灯维修" in page and len(page.encode()) < 100_000
    assert "2026年3月各项支出公开" in _page(reverse("portal:village", args=[VILLAGE]))[1]
    actions = set(AuditEntry.objects.filter(object_type="portal.disclosure").values_list("action", flat=True))
    assert {"disclosure.created", "disclosure.submitted", "disclosure.approved"} <= actions


def test_console_pages_walk_the_lifecycle(cast: dict[str, Any]) -> None:
    secretary, supervisor = Client(), Client()
    secretary.force_login(cast["village_secretary"])
    supervisor.force_login(cast["village_supervisor"])
    cw03 = DisclosureCategory.objects.get(code="CW03")
    response = secretary.post(reverse("console:portal_disclosure_new"), {
        "category": cw03.pk, "period": "2026-13", "title": "坏期间", "body": "x"})
    assert response.status_code == 400 and "期间" in response.content.decode() and "坏期间" in response.content.decode()
    response = secretary.post(reverse("console:portal_disclosure_new"), {
        "category": cw03.pk, "period": "2026年3月", "title": "三月支出", "body": "合计 100 元"})
    item = Disclosure.objects.get(title="三月支出")
    assert response.status_code == 302 and item.period == "2026-03" and item.village_code == VILLAGE
    sheet = "科目,金额\n办公用品,=1+2\n".encode()
    response = secretary.post(reverse("console:portal_disclosure_action", args=[item.pk, "table"]),
                              {"table-file": SimpleUploadedFile("t.csv", sheet)})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.table == {"columns": ["科目", "金额"], "rows": [["办公用品", "=1+2"]]}  # kept as text
    secretary.post(reverse("console:portal_disclosure_action", args=[item.pk, "submit"]))
    # The secretary may not approve; the supervisor may.
    assert secretary.post(reverse("console:portal_disclosure_action", args=[item.pk, "approve"])).status_code == 403
    assert supervisor.post(reverse("console:portal_disclosure_action", args=[item.pk, "approve"])).status_code == 302
    item.refresh_from_db()
    assert item.status == S.PUBLISHED
    listing = secretary.get(reverse("console:portal_disclosures")).content.decode()
    assert "三月支出" in listing
    csv_text = Client().get(reverse("portal:disclosure_table", args=[VILLAGE, item.pk])).content.decode()
    assert "'=1+2" in csv_text  # defused on the way out


def test_self_approval_is_refused(cast: dict[str, Any]) -> None:
    item = _draft(cast["village_supervisor"])
    d.do_submit(user=cast["village_supervisor"], disclosure=item)
    with pytest.raises(Refused):
        d.do_approve(user=cast["village_supervisor"], disclosure=item)
    with pytest.raises(Refused):
        d.do_approve(user=cast["village_secretary"], disclosure=item)  # not the supervision committee
    assert Disclosure.objects.get(pk=item.pk).status == S.SUBMITTED


def test_other_villages_are_refused(cast: dict[str, Any]) -> None:
    with pytest.raises(Refused):
        _draft(cast["village_secretary"], village=OTHER)
    with pytest.raises(Refused):
        _draft(cast["township_officer"])  # townships import, they do not draft
    theirs = _draft(cast["other_secretary"], village=OTHER)
    d.do_submit(user=cast["other_secretary"], disclosure=theirs)
    with pytest.raises(Refused):
        d.do_approve(user=cast["village_supervisor"], disclosure=theirs)
    client = Client()
    client.force_login(cast["village_secretary"])
    assert client.get(reverse("console:portal_disclosure", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("console:portal_disclosure_action", args=[theirs.pk, "submit"])).status_code == 404
    client.force_login(cast["other_township"])
    assert client.get(reverse("console:portal_disclosure", args=[theirs.pk])).status_code == 404
    client.force_login(cast["township_officer"])
    assert client.get(reverse("console:portal_disclosure", args=[theirs.pk])).status_code == 200


def test_return_with_reason_then_resubmit(cast: dict[str, Any]) -> None:
    item = _draft(cast["village_secretary"])
    d.do_submit(user=cast["village_secretary"], disclosure=item)
    with pytest.raises(d.DisclosureProblem):
        d.do_return(user=cast["village_supervisor"], disclosure=item, reason="  ")
    d.do_return(user=cast["village_supervisor"], disclosure=item, reason="金额与凭证不符")
    item.refresh_from_db()
    assert item.status == S.RETURNED and item.return_reason == "金额与凭证不符"
    d.do_edit_draft(user=cast["village_secretary"], disclosure=item, body="本月支出合计 3,100.00 元。")
    d.do_submit(user=cast["village_secretary"], disclosure=item)
    assert d.do_approve(user=cast["village_supervisor"], disclosure=item).status == S.PUBLISHED


def test_correction_keeps_the_old_version_visible(cast: dict[str, Any]) -> None:
    old = _published(cast)
    with pytest.raises(d.DisclosureProblem):
        d.do_correct(user=cast["village_secretary"], disclosure=old, change_note="")
    fix = d.do_correct(user=cast["village_secretary"], disclosure=old, change_note="路灯维修款重复计入，予以更正",
                       body="本月支出合计 2,400.00 元。")
    assert (fix.version, fix.series, fix.status) == (2, old.series, S.DRAFT)
    with pytest.raises(d.DisclosureProblem):  # one pending correction at a time
        d.do_correct(user=cast["village_secretary"], disclosure=old, change_note="again")
    old_url = reverse("portal:disclosure", args=[VILLAGE, old.pk])
    assert "2,400.00" not in _page(old_url)[1]  # the draft correction is not public
    d.do_submit(user=cast["village_secretary"], disclosure=fix)
    d.do_approve(user=cast["village_supervisor"], disclosure=fix)
    old.refresh_from_db()
    fix.refresh_from_db()
    assert old.status == S.SUPERSEDED and old.superseded_at is not None and fix.status == S.PUBLISHED
    status, page = _page(old_url)
    assert status == 200 and "3,200.00" in page and reverse("portal:disclosure", args=[VILLAGE, fix.pk]) in page
    status, page = _page(reverse("portal:disclosure", args=[VILLAGE, fix.pk]))
    assert "路灯维修款重复计入，予以更正" in page and "<del>本月支出合计 3,200.00 元。</del>" in page
    assert "<ins>本月支出合计 2,400.00 元。</ins>" in page
    section = _page(reverse("portal:disclosures", args=[VILLAGE, "finance"]))[1]
    assert section.count("2026年3月各项支出公开") == 1  # the current version listed once, marked corrected


def test_public_attachments_only_of_published_items(cast: dict[str, Any], home: Path) -> None:
    item = _draft(cast["village_secretary"])
    pdf = b"%PDF-1.4\n%synthetic\n"
    attachment = d.do_attach(user=cast["village_secretary"], disclosure=item, name="../../凭证.pdf", data=pdf)
    assert attachment.name == "凭证.pdf" and ".." not in attachment.path
    url = reverse("portal:disclosure_file", args=[VILLAGE, item.pk, attachment.pk])
    assert Client().get(url).status_code == 404  # the draft's file is not served
    d.do_submit(user=cast["village_secretary"], disclosure=item)
    d.do_approve(user=cast["village_supervisor"], disclosure=item)
    response = Client().get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == pdf
    assert Client().get(reverse("portal:disclosure_file", args=[OTHER, item.pk, attachment.pk])).status_code == 404


# -- hostile input ---------------------------------------------------------------------------------


def _id_number() -> str:
    first17 = "11010119500101123"
    return first17 + check_char(first17)


def test_hostile_text_and_tables_are_refused(cast: dict[str, Any]) -> None:
    user = cast["village_secretary"]
    for body in (f"低保户 张三 {_id_number()}", "账号 6222021234567890123", "联系电话 13912345678",
                 "卡号 6222 0212 3456 7890"):
        with pytest.raises(d.DisclosureProblem) as caught:
            _draft(user, body=body)
        assert "不得包含" in caught.value.zh
    assert "手机号码" in d.find_sensitive("电话 139-1234-5678")[0]  # type: ignore[index]
    assert d.find_sensitive("合计 12,345.67 元，2026-03-20 公开，代码 110101001201") is None
    for period in ("2026-13", "1999-01", "'; DROP TABLE", "2026Q5", "x" * 500):
        with pytest.raises(d.DisclosureProblem):
            _draft(user, period=period)
    with pytest.raises(d.DisclosureProblem):
        _draft(user, period="2026Q1")  # CW03 is monthly
    with pytest.raises(d.DisclosureProblem):
        _draft(user, title="x" * 500)
    item = _draft(user)
    with pytest.raises(d.DisclosureProblem) as caught:
        d.do_set_table(user=user, disclosure=item, data=f"姓名,身份证\n张三,{_id_number()}\n".encode())
    assert "第 2 行第 B 列" in caught.value.zh
    with pytest.raises(d.DisclosureProblem) as caught:
        d.do_set_table(user=user, disclosure=item, data=("a,b\n" + "1,2\n" * (d.MAX_TABLE_ROWS + 1)).encode())
    assert "2000" in caught.value.zh
    with pytest.raises(d.DisclosureProblem):
        d.do_set_table(user=user, disclosure=item, data=(",".join(["c"] * 31) + "\n").encode())
    with pytest.raises(d.DisclosureProblem):
        d.do_set_table(user=user, disclosure=item, data=("a\n" + "x" * 501 + "\n").encode())
    with pytest.raises(d.DisclosureProblem):
        d.do_set_table(user=user, disclosure=item, data=b"\x00\x01binary")
    with pytest.raises(d.DisclosureProblem):  # a script dressed as an image
        d.do_attach(user=user, disclosure=item, name="photo.png", data=b"<script>alert(1)</script>")
    with pytest.raises(d.DisclosureProblem):
        d.do_attach(user=user, disclosure=item, name="big.pdf", data=b"%PDF-" + b"0" * d.MAX_ATTACHMENT_BYTES)
    client = Client()
    client.force_login(user)
    response = client.post(reverse("console:portal_disclosure_action", args=[item.pk, "attach"]),
                           {"attach-file": SimpleUploadedFile("x.pdf", b"%PDF-" + b"0" * (d.MAX_ATTACHMENT_BYTES + 1))})
    assert response.status_code == 400
    response = client.post(reverse("console:portal_disclosure_action", args=[item.pk, "edit"]), {
        "category": item.category_id, "period": "2026-03", "title": "<script>x</script>", "body": "电话 13912345678"})
    page = response.content.decode()
    assert response.status_code == 400 and "手机号码" in page and "&lt;script&gt;x&lt;/script&gt;" in page
    item.refresh_from_db()
    assert item.table == {} and item.attachments.count() == 0


def test_formula_cells_stay_text_and_names_are_masked(cast: dict[str, Any]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["户主姓名", "项目", "金额"])
    sheet.append(["张三丰", '=HYPERLINK("http://evil.example","点我")', "300.00"])
    out = io.BytesIO()
    book.save(out)
    item = _draft(cast["village_secretary"], category="SW02", period="2026Q1", title="一季度低保名单")
    d.do_set_table(user=cast["village_secretary"], disclosure=item, data=out.getvalue())
    d.do_submit(user=cast["village_secretary"], disclosure=item)
    d.do_approve(user=cast["village_supervisor"], disclosure=item)
    page = _page(reverse("portal:disclosure", args=[VILLAGE, item.pk]))[1]
    assert "张**" in page and "张三丰" not in page and "<a href=\"http://evil" not in page


# -- bulk import -----------------------------------------------------------------------------------


def _workbook(tmp_path: Path, rows: list[list[str]]) -> Path:
    lines = ["村,公开目录,期间,标题,内容", *(",".join(r) for r in rows)]
    path = tmp_path / "import.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bulk_import_is_all_or_nothing(cast: dict[str, Any], tmp_path: Path) -> None:
    good = [[VILLAGE, "CW02", "2026-03", "三月收入", "收入合计 100 元"],
            ["绿水村", "各项支出", "2026年3月", "三月支出", "支出合计 80 元"]]
    bad = [*good, [VILLAGE, "CW99", "2026-03", "坏目录", "x"], [OTHER, "CW02", "2026Q1", "坏期间", "x"],
           [VILLAGE, "CW02", "2026-04", "电话", "联系 13912345678"], ["110101002201", "CW02", "2026-03", "外镇", "x"]]
    org(Organisation.Kind.VILLAGE, "外镇村", "110101002201")
    with pytest.raises(d.ImportProblem) as caught:
        d.do_import_disclosures(user=cast["township_officer"], path=_workbook(tmp_path, bad))
    rows = {p.row: p.zh for p in caught.value.problems}
    assert set(rows) == {4, 5, 6, 7} and "CW99" in rows[4] and "不在您的管辖范围内" in rows[7]
    assert Disclosure.objects.count() == 0
    with pytest.raises(Refused):
        d.do_import_disclosures(user=cast["village_secretary"], path=_workbook(tmp_path, good))
    report = d.do_import_disclosures(user=cast["township_officer"], path=_workbook(tmp_path, good))
    assert len(report.created) == 2 and report.villages == 2
    assert set(Disclosure.objects.values_list("status", flat=True)) == {S.SUBMITTED}
    item = Disclosure.objects.get(village_code=VILLAGE)
    assert d.do_approve(user=cast["village_supervisor"], disclosure=item).status == S.PUBLISHED
    client = Client()
    client.force_login(cast["township_officer"])
    template = client.get(reverse("console:portal_disclosure_template"))
    assert template.status_code == 200 and template.content[:2] == b"PK"
    response = client.post(reverse("console:portal_disclosure_import"),
                           {"file": SimpleUploadedFile("bad.csv", _workbook(tmp_path, bad).read_bytes())})
    assert response.status_code == 400 and "CW99" in response.content.decode()
    response = client.post(reverse("console:portal_disclosure_import"),
                           {"file": SimpleUploadedFile("good.csv", _workbook(tmp_path, good).read_bytes())})
    assert response.status_code == 200 and "import-done" in response.content.decode()
    assert Disclosure.objects.count() == 4


# -- deadlines -------------------------------------------------------------------------------------


def test_periods_and_due_dates(cast: dict[str, Any]) -> None:
    monthly = DisclosureCategory.objects.get(code="CW02")
    quarterly = DisclosureCategory.objects.get(code="CW04")
    assert d.normalise_period("2026年第三季度") == "2026Q3"
    assert d.normalise_period("2026/3") == "2026-03"
    assert d.due_date(monthly, "2026-12") == dt.date(2027, 1, 20)
    assert d.due_date(quarterly, "2026Q1") == dt.date(2026, 4, 20)
    assert d.due_date(monthly, "") is None


def test_sweep_raises_gk01_for_the_township_and_is_idempotent(cast: dict[str, Any], settings: Any) -> None:
    settings.PORTAL_DISCLOSURE_START = "2026-01"
    # Only CW02 is checked here, to keep the counts readable.
    DisclosureCategory.objects.exclude(code="CW02").update(active=False)
    for month in ("2026-01", "2026-02"):
        _published(cast, category="CW02", period=month, title=f"{month} 收入")
    today = dt.date(2026, 3, 25)  # January and February are due (Feb 20, Mar 20); March is not yet
    counts = d.do_disclosure_sweep(today)
    assert counts["overdue"] == 2 and counts["created"] == 2  # the other village, both months
    alerts = Alert.objects.filter(model="GK01")
    assert {a.region_code for a in alerts} == {OTHER}
    assert all(a.township == cast["township"] and a.department is None for a in alerts)
    levels = {a.hit.key["period"]: a.level for a in alerts}
    assert levels == {"2026-01": "high", "2026-02": "medium"}  # 33 and 5 days overdue
    assert "三务公开" in alerts[0].hit.explanation or "未公开" in alerts[0].hit.explanation
    again = d.do_disclosure_sweep(today)
    assert again["created"] == 0 and Alert.objects.filter(model="GK01").count() == 2
    # The village publishes January late: on the next sweep its hit is not seen.
    late = _draft(cast["other_secretary"], village=OTHER, category="CW02", period="2026-01", title="一月收入（补）")
    d.do_submit(user=cast["other_secretary"], disclosure=late)
    d.do_approve(user=cast["other_supervisor"], disclosure=late)
    d.do_disclosure_sweep(today)
    january = Alert.objects.get(model="GK01", hit__key__period="2026-01")
    february = Alert.objects.get(model="GK01", hit__key__period="2026-02")
    assert january.not_seen and not january.hit.seen_in_latest
    assert not february.not_seen
    assert Hit.objects.filter(model="GK01").count() == 2
    # The township commission sees them; the other township does not.
    client = Client()
    client.force_login(cast["township_officer"])
    assert client.get(reverse("console:alert", args=[february.pk])).status_code == 200
    client.force_login(cast["other_township"])
    assert client.get(reverse("console:alert", args=[february.pk])).status_code == 404


def test_seed_demo_publishes_corrects_and_leaves_one_village_overdue(cast: dict[str, Any]) -> None:
    result = d.seed_demo(today=dt.date(2026, 5, 25))
    assert result["disclosures"] > 10 and result["overdue_village"] == OTHER and result["village"] == VILLAGE
    assert Disclosure.objects.filter(status=S.SUPERSEDED).count() == 1
    assert Disclosure.objects.exclude(table={}).exists()
    assert {a.region_code for a in Alert.objects.filter(model="GK01")} == {OTHER}
    again = d.seed_demo()
    assert again["skipped"] and again["village"] == VILLAGE


def test_the_sweep_starts_from_published_items_and_looks_back_a_year_at_most(cast: dict[str, Any]) -> None:
    """A draft dated 2000-01 does not start the clock; an old item published late puts villages
    in arrears for at most LOOKBACK_MONTHS, not for every month since 2000."""
    today = dt.date(2026, 11, 25)
    old = d.do_create_draft(user=None, village_code=VILLAGE, category="CW03", period="2000-01", title="旧账",
                            body="2000年1月支出明细。")
    assert d.sweep_start(today) is None and d.overdue_disclosures(today) == []
    d.do_submit(user=None, disclosure=old)
    d.do_approve(user=None, disclosure=old)
    assert d.sweep_start(today) == dt.date(2025, 11, 1)
    assert min(item.period for item in d.overdue_disclosures(today)) >= "2025-11"


@pytest.mark.parametrize("text", ["电话 +8613812345678", "8613812345678", "110105 19491231 002X",
                                  "138-1234-5678", "6228 4800 0001 2345 678"])
def test_identifiers_are_refused_however_they_are_written(cast: dict[str, Any], text: str) -> None:
    with pytest.raises(d.DisclosureProblem):
        d.do_create_draft(user=None, village_code=VILLAGE, category="CW03", period="2026-10", title="公开",
                          body=f"联系人 {text}")
