"""Setting up a county without the demo: `org sync`, the staff sheet, and the README's steps end
to end (import → org sync → staff template → staff import → detect → each officer signs in and
sees their alerts)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from django.test import Client
from openpyxl import Workbook, load_workbook

from engine import BUILTIN_RULES_DIR
from mingjing.accounts import policy
from mingjing.accounts.actions import do_import_staff, do_import_staff_file, do_sync_organisations
from mingjing.accounts.models import Membership, Organisation
from mingjing.accounts.staff import EXAMPLE_ROW, TEMPLATE_HEADERS, SheetRow
from mingjing.alerts.models import Alert, Notification
from mingjing.audit.models import AuditEntry
from tests.demo_county import smallest_county

pytestmark = pytest.mark.django_db

COUNTY = "110101000000"
TOWNSHIP = "110101001000"
VILLAGE = "110101001001"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def run_failing(*args: str) -> tuple[str, CommandError]:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=out)
    return out.getvalue(), caught.value


def write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def organisations(db: None) -> dict[str, Organisation]:
    def org(kind: str, name: str, region: str = "", department: str = "") -> Organisation:
        return Organisation.objects.get_or_create(
            kind=kind, region_code=region, department=department, defaults={"name": name}
        )[0]

    return {
        "county": org("county_commission", "县纪委监委", COUNTY),
        "township": org("township_commission", "东风镇纪委", TOWNSHIP),
        "village": org("village", "红星村", VILLAGE),
        "minzheng": org("department", "民政局", department="民政局"),
    }


# -- org sync -------------------------------------------------------------------------------------


REGIONS = ["区划代码,名称,上级代码,级别", f"{COUNTY},东城县,,县", f"{TOWNSHIP},东风镇,{COUNTY},镇",
           f"{VILLAGE},红星村,{TOWNSHIP},村", "110101001002,向阳村,110101001000,村"]


def test_org_sync_creates_the_county_once_renames_and_keeps_what_left_the_data(tmp_path: Path) -> None:
    run("import", "regions", str(write_csv(tmp_path / "regions.csv", REGIONS)))
    first = json.loads(run("org", "sync", "--json"))
    assert first["created"]["county_commission"] == ["东城县纪委监委"]
    assert first["created"]["township_commission"] == ["东风镇纪委"]
    assert sorted(first["created"]["village"]) == ["向阳村", "红星村"]
    assert "民政局" in first["created"]["department"]

    again = json.loads(run("org", "sync", "--json"))
    assert not any(again["created"].values()) and again["renamed"] == [] and again["unchanged"] > 0

    # The township is renamed and one village leaves the data: renamed, kept, never deleted.
    renamed = [REGIONS[0], REGIONS[1], f"{TOWNSHIP},东风街道,{COUNTY},街道", REGIONS[3]]
    run("import", "regions", str(write_csv(tmp_path / "regions2.csv", renamed)), "--replace")
    text = run("org", "sync")
    assert "东风镇纪委 → 东风街道纪委" in text
    assert "向阳村" in text and "保留" in text and "kept" in text
    assert Organisation.objects.get(region_code=TOWNSHIP).name == "东风街道纪委"
    assert Organisation.objects.filter(region_code="110101001002").exists()
    entry = AuditEntry.objects.filter(action="org.sync").order_by("-id").first()
    assert entry is not None
    assert entry.detail["renamed"] == [{"code": TOWNSHIP, "old": "东风镇纪委", "new": "东风街道纪委"}]


def test_org_sync_is_refused_without_the_org_sync_permission(alice: User) -> None:
    with pytest.raises(policy.Refused):
        do_sync_organisations(user=alice)
    assert not AuditEntry.objects.filter(action="org.sync").exists()


# -- staff import -----------------------------------------------------------------------------------


def test_a_gbk_sheet_with_a_title_row_and_columns_in_any_order_creates_accounts(
    tmp_path: Path, organisations: dict[str, Organisation]
) -> None:
    sheet = write_csv(tmp_path / "staff.csv", [
        "东城县纪检监察人员名单（2026年）",
        "角色,手机号码,姓名,组织,电子邮箱",
        f"乡镇纪委干部,139 1000 0001,李 四,{TOWNSHIP},lisi@example.com",
        "部门经办人,139-1000-0002,王五,民政局,",
        f"village_supervisor,13910000003,赵六,{VILLAGE},",
    ], encoding="gbk")
    report = json.loads(run("staff", "import", str(sheet), "--json"))
    assert report["written"] and report["created"] == 3 and report["problems"] == []

    lisi = User.objects.get(username="13910000001")
    assert (lisi.first_name, lisi.email, lisi.is_staff, lisi.is_active) == ("李 四", "lisi@example.com", True, True)
    assert lisi.membership.organisation == organisations["township"]
    assert lisi.membership.role == "township_officer" and lisi.membership.must_change_password
    passwords = {a["phone"]: a["password"] for a in report["accounts"]}
    assert len(passwords["13910000001"]) >= 12
    assert lisi.check_password(passwords["13910000001"])
    assert User.objects.get(username="13910000003").membership.role == "village_supervisor"
    created = AuditEntry.objects.filter(action="staff.created", object_id=str(lisi.pk)).get()
    assert created.detail["after"]["role"] == "township_officer"
    assert passwords["13910000001"] not in json.dumps(created.detail)
    assert AuditEntry.objects.filter(action="staff.import").count() == 1


def test_any_bad_row_writes_nothing_and_each_row_is_explained(
    tmp_path: Path, organisations: dict[str, Organisation]
) -> None:
    sheet = write_xlsx(tmp_path / "staff.xlsx", [
        ["人员名单"],
        ["姓名", "手机", "组织", "角色"],
        ["好人", "13910000001", "民政局", "部门经办人"],  # row 3: fine, but not written either
        ["@SUM(1+1)*cmd", "13910000002", "民政局", "部门经办人"],  # 4
        ["重复", "13910000001", "民政局", "部门经办人"],  # 5
        ["未知", "13910000005", "民证局", "部门经办人"],  # 6
        ["错配", "13910000006", "民政局", "乡镇纪委干部"],  # 7
        ["短号", "1391000", TOWNSHIP, "乡镇纪委干部"],  # 8
        ["长" * 31, "13910000009", "民政局", "部门经办人"],  # 9
        ["村长", "13910000010", VILLAGE, "村长"],  # 10
    ])
    out, error = run_failing("staff", "import", str(sheet))
    assert error.returncode == 2
    assert not User.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="staff.").exists()
    problems = dict(re.findall(r"第 (\d+) 行 row \d+: (.*)", out))
    assert set(problems) == {"4", "5", "6", "7", "8", "9", "10"}
    assert "公式" in problems["4"] and "formula" in problems["4"]
    assert "与第 3 行重复" in problems["5"]
    assert "民证局" in problems["6"] and "民政局" in problems["6"]  # what was found, and a suggestion
    assert "乡镇纪委" in problems["7"] and "is a department" in problems["7"]
    assert "1391000" in problems["8"]
    assert "31 个字符" in problems["9"]
    assert "村长" in problems["10"]


def test_a_formula_in_a_csv_cell_is_refused_not_stored(tmp_path: Path, organisations: dict[str, Organisation]) -> None:
    sheet = write_csv(tmp_path / "f.csv", ["姓名,手机,组织,角色", "=cmd|' /C calc'!A0,13910000001,民政局,部门经办人"])
    report = do_import_staff_file(sheet)
    assert not report.written and "公式" in report.problems[0].zh and "formula" in report.problems[0].en
    assert not User.objects.exists()


def test_a_sheet_of_a_hundred_thousand_rows_is_refused_before_any_row_is_judged(
    tmp_path: Path, organisations: dict[str, Organisation]
) -> None:
    lines = ["姓名,手机,组织,角色"] + [f"人{i},139{i:08d},民政局,部门经办人" for i in range(100_000)]
    _, error = run_failing("staff", "import", str(write_csv(tmp_path / "big.csv", lines)))
    assert "最多 5000 行" in str(error) and "at most 5000 rows" in str(error)
    assert not User.objects.exists()


def test_a_second_import_updates_name_email_organisation_and_role_but_not_the_password(
    tmp_path: Path, organisations: dict[str, Organisation]
) -> None:
    first = do_import_staff(rows=[SheetRow(2, "李四", "13910000001", TOWNSHIP, "乡镇纪委干部")])
    password = first.lines[0].password
    report = do_import_staff_file(write_csv(tmp_path / "again.csv", [
        "姓名,手机,组织,角色,邮箱", "李四四,13910000001,民政局,部门经办人,l4@example.com",
    ]))
    assert (report.created, report.updated) == (0, 1)
    assert report.lines[0].changes["role"] == ["township_officer", "department_officer"]
    assert report.new_accounts == []
    account = User.objects.get(username="13910000001")
    assert (account.first_name, account.email) == ("李四四", "l4@example.com")
    assert account.membership.organisation == organisations["minzheng"]
    assert account.check_password(password)
    entry = AuditEntry.objects.get(action="staff.updated")
    assert entry.detail["before"]["organisation"] == "东风镇纪委"
    assert entry.detail["after"]["organisation"] == "民政局"


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(
    tmp_path: Path, organisations: dict[str, Organisation]
) -> None:
    sheet = write_csv(tmp_path / "s.csv", ["姓名,手机,组织,角色", "李四,13910000001,民政局,部门经办人"])
    out = run("staff", "import", str(sheet), "--dry-run")
    assert "试运行" in out and "dry run" in out and "13910000001" in out
    assert not User.objects.exists() and not AuditEntry.objects.exists()


def test_the_template_has_the_header_and_an_example_row_and_the_example_is_refused(
    tmp_path: Path, organisations: dict[str, Organisation]
) -> None:
    path = tmp_path / "staff.xlsx"
    run("staff", "template", str(path))
    sheet = load_workbook(path).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows == [TEMPLATE_HEADERS, EXAMPLE_ROW]
    out, _ = run_failing("staff", "import", str(path))
    assert "示例行" in out


def test_phone_numbers_typed_as_numbers_in_a_workbook_are_read_as_text(
    tmp_path: Path, organisations: dict[str, Organisation]
) -> None:
    sheet = write_xlsx(tmp_path / "n.xlsx", [["姓名", "手机", "组织", "角色"], ["李四", 13910000001, "民政局", "经办人"]])
    assert do_import_staff_file(sheet).created == 1
    assert User.objects.filter(username="13910000001").exists()


def test_deactivating_keeps_the_account_and_its_history(organisations: dict[str, Organisation]) -> None:
    do_import_staff(rows=[SheetRow(2, "李四", "13910000001", "民政局", "部门经办人")])
    out = run("staff", "deactivate", "13910000001")
    assert "已停用" in out and "deactivated" in out
    account = User.objects.get(username="13910000001")
    assert not account.is_active and Membership.objects.filter(user=account).exists()
    entry = AuditEntry.objects.get(action="staff.deactivated")
    assert (entry.detail["before"]["is_active"], entry.detail["after"]["is_active"]) == (True, False)
    account.set_password("known-password-1")
    account.save(update_fields=["password"])
    signing_in = Client().post("/login/", {"username": "13910000001", "password": "known-password-1"})
    assert signing_in.status_code == 200  # the form again: an inactive account cannot sign in
    run("staff", "reactivate", "13910000001")
    assert User.objects.get(username="13910000001").is_active


def test_staff_import_is_refused_without_the_staff_manage_permission(
    alice: User, organisations: dict[str, Organisation]
) -> None:
    with pytest.raises(policy.Refused):
        do_import_staff(rows=[SheetRow(2, "李四", "13910000001", "民政局", "部门经办人")], user=alice)
    assert not User.objects.filter(username="13910000001").exists()


def test_the_demo_accounts_come_through_the_staff_import_with_the_demo_password(
    organisations: dict[str, Organisation]
) -> None:
    from mingjing.demo.management.commands.demo import PASSWORD, Command

    Command(stdout=io.StringIO()).create_accounts()
    analyst = User.objects.get(username="13800000001")
    assert analyst.membership.role == "county_admin" and not analyst.membership.must_change_password
    assert analyst.check_password(PASSWORD)
    assert User.objects.get(username="13800000003").membership.organisation == organisations["minzheng"]
    Command(stdout=io.StringIO()).create_accounts()  # again: nothing new
    assert User.objects.filter(username__startswith="138000000").count() == 2  # no alerts: no township, village


def test_the_demo_generator_does_not_need_django() -> None:
    code = "import sys, mingjing.demo.generator; sys.exit('django' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# -- the README's "Set up a county", end to end -------------------------------------------------------


def test_a_county_is_set_up_from_an_empty_home_and_each_officer_sees_their_alerts_in_the_inbox(
    tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.RULES_DIR = BUILTIN_RULES_DIR
    county = tmp_path / "county"
    manifest = smallest_county(county)
    files = {f["path"]: f for f in manifest["files"]}

    # 1. Import the county's files: regions and programmes first, payments last.
    for path in manifest["import_order"]:
        entry = files[path]
        args = ["import", entry["dataset"], str(county / path)] + (["--sheet", entry["sheet"]] if entry["sheet"] else [])
        run(*args)
    # 2. Organisations from the regions and programmes.
    run("org", "sync")
    townships = list(Organisation.objects.filter(kind="township_commission"))
    departments = list(Organisation.objects.filter(kind="department"))
    assert townships and departments

    # 3. The template, filled in: the example row replaced by one officer per township and department.
    sheet_path = tmp_path / "staff.xlsx"
    run("staff", "template", str(sheet_path))
    book = load_workbook(sheet_path)
    sheet = book.worksheets[0]
    sheet.delete_rows(2)
    officers = [(o, f"1391000{i:04d}") for i, o in enumerate([*townships, *departments])]
    for organisation, phone in officers:
        role = "乡镇纪委干部" if organisation.kind == "township_commission" else "部门经办人"
        sheet.append([f"干部{phone[-4:]}", phone, organisation.region_code or organisation.department, role, ""])
    book.save(sheet_path)
    # 4. Import the staff.
    report = json.loads(run("staff", "import", str(sheet_path), "--json"))
    assert report["created"] == len(officers), report["problems"]
    passwords = {a["phone"]: a["password"] for a in report["accounts"]}
    # 5. Run the problem models: every new alert is announced to its department and township.
    with django_capture_on_commit_callbacks(execute=True):
        run("detect")
    assert Alert.objects.exists()

    # 6. Each officer with alerts routed to them has them in the inbox and sees them on the list.
    checked = 0
    for organisation, phone in officers:
        routed = set(Alert.objects.filter(Q(department=organisation) | Q(township=organisation)).values_list("id", flat=True))
        if not routed:
            continue
        account = User.objects.get(username=phone)
        notified = set(Notification.objects.filter(user=account).values_list("alert_id", flat=True))
        assert notified == routed, organisation.name

        client = Client()
        response = client.post("/login/", {"username": phone, "password": passwords[phone]})
        assert response.status_code == 302, organisation.name
        response = client.get("/console/alerts/")
        assert response.status_code == 302 and "/account/password/" in response["Location"]  # one-time password
        new_password = f"Mj-{phone}-changed"
        response = client.post("/account/password/", {
            "old_password": passwords[phone], "new_password1": new_password, "new_password2": new_password,
        })
        assert response.status_code == 302, response.content.decode()[:2000]
        page = client.get("/console/alerts/")
        assert page.status_code == 200
        listed = {int(i) for i in re.findall(r'href="/console/alerts/(\d+)/"', page.content.decode())}
        visible = set(policy.alerts_for(account).values_list("id", flat=True))
        assert listed and listed <= visible and len(listed) == min(len(visible), 50), organisation.name
        assert routed <= visible
        checked += 1
    assert checked >= 2  # a township commission and a department at least
