"""The staff page (/console/staff/) for county administrators, and the admin in Chinese."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from mingjing.accounts.actions import do_import_staff
from mingjing.accounts.models import Membership, Organisation
from mingjing.accounts.staff import SheetRow
from mingjing.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

TOWNSHIP = "110101001000"
SHEET = "姓名,手机,组织,角色\n李四,13910000001,110101001000,乡镇纪委干部\n王五,13910000002,民政局,部门经办人\n"


@pytest.fixture
def diana(db: None) -> User:
    """A county commission administrator: manages the staff accounts."""
    user = User.objects.create_user("diana", password="diana-password", is_staff=True, first_name="县纪委管理员")
    county, _ = Organisation.objects.get_or_create(
        kind="county_commission", region_code="110101000000", department="", defaults={"name": "县纪委监委"}
    )
    Organisation.objects.create(kind="township_commission", region_code=TOWNSHIP, name="东风镇纪委")
    Organisation.objects.create(kind="department", department="民政局", name="民政局")
    Membership.objects.create(user=user, organisation=county, role="county_admin")
    return user


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, text: str, name: str = "staff.csv", encoding: str = "utf-8") -> Any:
    return client.post("/console/staff/upload/", {"file": SimpleUploadedFile(name, text.encode(encoding))})


def staged() -> list[Path]:
    return list((Path(settings.STAGING_DIR) / "staff").glob("*.upload"))


def test_the_page_lists_accounts_with_masked_phones_for_a_county_administrator(diana: User) -> None:
    do_import_staff(rows=[SheetRow(2, "李四", "13912341234", TOWNSHIP, "乡镇纪委干部")])
    page = signed_in(diana).get("/console/staff/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "人员账号" in html and "李四" in html and "东风镇纪委" in html and "乡镇纪委干部" in html
    assert "139****1234" in html and "13912341234" not in html
    assert 'href="/console/staff/"' in html  # the navigation link


def test_others_may_not_manage_staff(alice: User, client: Client) -> None:
    assert signed_in(alice).get("/console/staff/").status_code == 403
    assert 'href="/console/staff/"' not in signed_in(alice).get("/console/data/").content.decode()
    assert signed_in(alice).post("/console/staff/upload/", {}).status_code == 403
    assert client.get("/console/staff/").status_code == 302  # to the sign-in page


def test_an_upload_is_checked_first_then_confirmed_and_the_passwords_are_shown_once(diana: User) -> None:
    client = signed_in(diana)
    preview = upload(client, SHEET)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "检查通过" in html and "确认导入" in html
    assert not User.objects.filter(username__startswith="139").exists()  # nothing written yet
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html)
    assert token is not None and len(staged()) == 1

    done = client.post("/console/staff/confirm/", {"token": token.group(1), "source": "staff.csv"})
    assert done.status_code == 200
    assert "no-store" in done["Cache-Control"]
    html = done.content.decode()
    lisi = User.objects.get(username="13910000001")
    assert lisi.membership.must_change_password and lisi.membership.organisation.region_code == TOWNSHIP
    passwords = re.findall(r'class="password">([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})<', html)
    assert len(passwords) == 2 and lisi.check_password(passwords[0])
    slips = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', html)
    assert slips is not None
    csv_text = base64.b64decode(slips.group(1)).decode("utf-8-sig")
    assert "李四" in csv_text and passwords[0] in csv_text and "13910000001" in csv_text
    assert staged() == []  # the file is gone: the same token cannot import again
    again = client.post("/console/staff/confirm/", {"token": token.group(1)})
    assert again.status_code == 404
    # Shown once: the list never shows a password.
    assert passwords[0] not in client.get("/console/staff/").content.decode()


def test_a_sheet_with_bad_rows_shows_each_row_and_writes_nothing(diana: User) -> None:
    text = "姓名,手机,组织,角色\n李四,1391000,民政局,部门经办人\n王五,13910000002,民证局,部门经办人\n"
    response = upload(signed_in(diana), text.encode("gbk").decode("gbk"), encoding="gbk")
    assert response.status_code == 400
    html = response.content.decode()
    assert "2 处问题" in html or "2 problems" in html
    assert "1391000" in html and "民证局" in html
    assert "确认导入" not in html
    assert not User.objects.filter(username__startswith="139").exists() and staged() == []


def test_a_sheet_of_a_hundred_thousand_rows_is_refused_with_a_clear_message(diana: User) -> None:
    text = "姓名,手机,组织,角色\n" + "".join(f"人{i},139{i:08d},民政局,部门经办人\n" for i in range(100_000))
    response = upload(signed_in(diana), text)
    assert response.status_code == 400
    assert "人员名单最多 5000 行" in response.content.decode()
    assert not User.objects.filter(username__startswith="139").exists() and staged() == []


def test_the_template_downloads_as_a_workbook_with_the_header(diana: User) -> None:
    response = signed_in(diana).get("/console/staff/template.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["姓名", "手机", "组织", "角色", "邮箱"]


def test_deactivating_and_reactivating_from_the_page_keeps_the_account(diana: User) -> None:
    do_import_staff(rows=[SheetRow(2, "李四", "13910000001", TOWNSHIP, "乡镇纪委干部")])
    lisi = User.objects.get(username="13910000001")
    client = signed_in(diana)
    response = client.post(f"/console/staff/{lisi.pk}/active/", {"active": "0"}, follow=True)
    assert "已停用" in response.content.decode()
    lisi.refresh_from_db()
    assert not lisi.is_active and AuditEntry.objects.filter(action="staff.deactivated").exists()
    client.post(f"/console/staff/{lisi.pk}/active/", {"active": "1"})
    lisi.refresh_from_db()
    assert lisi.is_active


def test_an_administrator_cannot_deactivate_themselves_or_a_superuser(diana: User) -> None:
    root = User.objects.create_superuser("root", password="root-password")
    client = signed_in(diana)
    response = client.post(f"/console/staff/{diana.pk}/active/", {"active": "0"}, follow=True)
    assert "不能停用自己的账号" in response.content.decode()
    diana.refresh_from_db()
    assert diana.is_active
    assert client.post(f"/console/staff/{root.pk}/active/", {"active": "0"}).status_code == 404


def test_the_page_fits_a_phone(diana: User) -> None:
    html = signed_in(diana).get("/console/staff/").content.decode()
    assert 'name="viewport"' in html and "@media (max-width: 719px)" in html and "staff-table" in html


# -- the admin -------------------------------------------------------------------------------------


def test_the_admin_shows_our_objects_in_chinese(diana: User) -> None:
    root = User.objects.create_superuser("root", password="root-password")
    client = signed_in(root)
    index = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "组织与账号" in index and "人员归属" in index and ">组织<" in index
    assert "明镜系统管理" in index and "Django" not in index.split("<body", 1)[1].split("</header>")[0]
    for english in ("Organisation", "Membership", "Accounts", "Axes", "Otp", "Tasks", "Model name", "Add link"):
        assert english not in index
    assert "登录尝试" in index and "双因素认证(TOTP)" in index and "后台任务" in index  # third-party apps too
    listing = client.get("/admin/accounts/organisation/").content.decode()
    assert "类别" in listing and "区划代码" in listing and "名称" in listing
    membership = Membership.objects.get(user=diana)
    change = client.get(f"/admin/accounts/membership/{membership.pk}/change/").content.decode()
    assert "角色" in change and "县纪委监委管理员" in change and "须修改密码" in change
    # Nothing is deleted from the admin.
    assert client.get(f"/admin/auth/user/{diana.pk}/delete/").status_code in (302, 403)
    assert User.objects.filter(pk=diana.pk).exists()
