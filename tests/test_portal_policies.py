"""The subsidy policy list (政策清单): texts seeded from a programmes file in plain words, kept in
step with the data's names, never overwriting what the county wrote; only the county edits them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from mingjing.accounts.models import Role
from mingjing.accounts.policy import Refused
from mingjing.audit.models import AuditEntry
from mingjing.datahub.actions import do_import_file
from mingjing.portal import policies
from mingjing.portal.models import ProgrammePolicy
from tests.personas import org, staff

pytestmark = pytest.mark.django_db

PROGRAMS = """项目编码,项目名称,类别,主管部门,发放标准,起领年龄
MZ001,农村最低生活保障金,低保,民政局,700.00,
MZ003,高龄津贴,高龄,民政局,120,80
NY001,耕地地力保护补贴,农业,农业农村局,,
WJ001,农村部分计划生育家庭奖励扶助金,其他,卫健局,80.50,60
"""


def import_programs(tmp_path: Path, text: str, name: str = "programs.csv") -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    batch = do_import_file("programs", path, replace=True)
    assert batch.status == "active", batch.error if hasattr(batch, "error") else batch


@pytest.fixture
def people() -> dict[str, User]:
    county = org("county_commission", "县纪委监委", "110101000000")
    return {
        "county": staff("county", county, Role.COUNTY_ADMIN),
        "analyst": staff("analyst", county, Role.COUNTY_ANALYST),
        "township": staff("township", org("township_commission", "城关镇", "110101001000"), Role.TOWNSHIP_OFFICER),
        "village": staff("village", org("village", "东风村", "110101001201"), Role.VILLAGE_SECRETARY),
        "department": staff("department", org("department", "县民政局", department="民政局"), Role.DEPARTMENT_OFFICER),
    }


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_without_programmes_data_nothing_is_created(people: dict[str, User]) -> None:
    assert policies.sync_policies() == {"policies_created": 0, "policies_updated": 0}
    assert not ProgrammePolicy.objects.exists()


def test_sync_prefills_each_programme_in_plain_words(tmp_path: Path, people: dict[str, User]) -> None:
    import_programs(tmp_path, PROGRAMS)  # the import itself syncs (the batch_activated receiver)
    assert ProgrammePolicy.objects.count() == 4
    rows = {p.program_code: p for p in ProgrammePolicy.objects.all()}
    elderly = rows["MZ003"]
    assert (elderly.name, elderly.department, elderly.standard) == ("高龄津贴", "民政局", "每人每月 120 元")
    assert elderly.eligibility == "年满 80 周岁的本县户籍老人。"
    assert elderly.cycle == "按月发放" and "民政局" in elderly.contact and elderly.published
    assert rows["MZ001"].standard == "每人每月 700 元" and "低保标准" in rows["MZ001"].eligibility
    assert rows["NY001"].standard == "" and rows["NY001"].cycle == "每年发放一次"
    assert rows["WJ001"].standard == "每人每月 80.5 元" and "年满 60 周岁" in rows["WJ001"].eligibility
    assert AuditEntry.objects.filter(action="portal.policy.sync").count() == 1
    assert policies.sync_policies() == {"policies_created": 0, "policies_updated": 0}  # idempotent
    ProgrammePolicy.objects.filter(program_code="MZ003").delete()
    assert policies.sync_policies() == {"policies_created": 1, "policies_updated": 0}


def test_sync_never_overwrites_the_countys_text_but_follows_renames(tmp_path: Path, people: dict[str, User]) -> None:
    import_programs(tmp_path, PROGRAMS)
    policies.sync_policies()
    item = ProgrammePolicy.objects.get(program_code="MZ003")
    policies.do_edit_policy(people["county"], item, basis="省政府令第 1 号", standard="每人每月 150 元",
                            cycle="每月 10 日前发放", eligibility="年满 80 周岁、户籍在本县的老人，不论收入。",
                            contact="村委会 王会计", published=True)

    renamed = PROGRAMS.replace("MZ003,高龄津贴,高龄,民政局,120,80", "MZ003,高龄老人津贴,高龄,县民政局,200,80")
    import_programs(tmp_path, renamed, name="programs-2.csv")  # synced by the import
    assert policies.sync_policies() == {"policies_created": 0, "policies_updated": 0}
    item.refresh_from_db()
    assert (item.name, item.department) == ("高龄老人津贴", "县民政局")
    assert item.standard == "每人每月 150 元"  # the county's, not the data's new 200
    assert item.eligibility == "年满 80 周岁、户籍在本县的老人，不论收入。"
    assert item.basis == "省政府令第 1 号" and item.contact == "村委会 王会计"


def test_the_county_edits_a_policy_in_the_console_and_the_trail_keeps_before_and_after(
        tmp_path: Path, people: dict[str, User]) -> None:
    import_programs(tmp_path, PROGRAMS)
    client = signed_in(people["county"])
    assert client.get(reverse("console:portal_policies")).status_code == 200
    assert client.post(reverse("console:portal_policies_sync")).status_code == 302
    assert ProgrammePolicy.objects.count() == 4
    url = reverse("console:portal_policy", args=["MZ003"])
    assert "年满 80 周岁" in client.get(url).content.decode()
    response = client.post(url, {"standard": "每人每月 150 元", "cycle": "按月", "eligibility": "年满 80 周岁的老人",
                                 "basis": "", "contact": "村委会"})  # published unticked: hidden
    assert response.status_code == 302
    item = ProgrammePolicy.objects.get(program_code="MZ003")
    assert item.standard == "每人每月 150 元" and item.published is False and item.updated_by == people["county"]
    entry = AuditEntry.objects.filter(action="portal.policy.edit").get()
    assert entry.detail["before"]["standard"] == "每人每月 120 元"
    assert entry.detail["after"]["published"] is False
    assert client.get(reverse("console:portal_policy", args=["NOPE"])).status_code == 404


def test_hostile_policy_text_is_refused_and_kept(tmp_path: Path, people: dict[str, User]) -> None:
    import_programs(tmp_path, PROGRAMS)
    policies.sync_policies()
    client = signed_in(people["county"])
    url = reverse("console:portal_policy", args=["MZ003"])
    long = "<script>" + "很" * 1000
    response = client.post(url, {"standard": "每人每月 150 元", "cycle": "按月", "eligibility": long,
                                 "basis": "", "contact": "", "published": "on"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "&lt;script&gt;很很" in html and "<script>很" not in html  # kept, escaped
    assert ProgrammePolicy.objects.get(program_code="MZ003").standard == "每人每月 120 元"
    with pytest.raises(policies.PolicyInvalid):
        policies.do_edit_policy(people["county"], ProgrammePolicy.objects.get(program_code="MZ003"), basis="",
                                standard="元" * 201, cycle="", eligibility="", contact="", published=True)


@pytest.mark.parametrize("who", ["township", "village", "department"])
def test_only_the_county_edits_policy_texts(tmp_path: Path, people: dict[str, User], who: str) -> None:
    import_programs(tmp_path, PROGRAMS)
    policies.sync_policies()
    client = signed_in(people[who])
    assert client.get(reverse("console:portal_policies")).status_code == 403
    assert client.post(reverse("console:portal_policies_sync")).status_code == 403
    assert client.post(reverse("console:portal_policy", args=["MZ003"]),
                       {"standard": "改", "published": "on"}).status_code == 403
    assert ProgrammePolicy.objects.get(program_code="MZ003").standard == "每人每月 120 元"
    with pytest.raises(Refused):
        policies.do_edit_policy(people[who], ProgrammePolicy.objects.get(program_code="MZ003"), basis="",
                                standard="改", cycle="", eligibility="", contact="", published=True)
    with pytest.raises(Refused):
        policies.sync_policies(people[who])


def test_the_county_analyst_edits_too_and_anonymous_visitors_sign_in(people: dict[str, User]) -> None:
    assert signed_in(people["analyst"]).get(reverse("console:portal_policies")).status_code == 200
    assert Client().get(reverse("console:portal_policies")).status_code == 302


def test_the_demo_completes_untouched_texts_only(tmp_path: Path, people: dict[str, User]) -> None:
    import_programs(tmp_path, PROGRAMS)
    first = policies.seed_demo()
    assert first["policies_created"] == 0 and first["policies_completed"] == 2  # created by the import; WJ001, NY001
    assert "只生育一个子女" in ProgrammePolicy.objects.get(program_code="WJ001").eligibility
    assert ProgrammePolicy.objects.get(program_code="NY001").standard.startswith("每亩 95.5 元")
    item = ProgrammePolicy.objects.get(program_code="WJ001")
    policies.do_edit_policy(people["county"], item, basis="", standard="每人每月 80.5 元", cycle="按月发放",
                            eligibility="县里写的条件", contact="村委会", published=True)
    assert policies.seed_demo()["policies_completed"] == 0
    assert ProgrammePolicy.objects.get(program_code="WJ001").eligibility == "县里写的条件"
