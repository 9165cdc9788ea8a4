"""The micro-power list (小微权力清单): the county's basic list seeded once and edited by the
county, villages' own additions, the public list and flow pages, and hostile input.

The world: county 110101, township 001 with villages 201 (东风村) and 202 (西山村), known by their
organisations (no regions file needed). Personas: a county administrator, a village secretary of
201, a village bookkeeper of 202, a township officer of 001.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from mingjing.accounts.models import Role
from mingjing.accounts.policy import Refused
from mingjing.audit.models import AuditEntry
from mingjing.portal import power
from mingjing.portal.models import PowerItem
from tests.personas import org, staff

pytestmark = pytest.mark.django_db

VILLAGE = "110101001201"
OTHER_VILLAGE = "110101001202"
TOWNSHIP = "110101001000"

STEPS = "提出申请\n村两委会议商议\n公示结果"


@pytest.fixture
def world() -> dict[str, User]:
    county = org("county_commission", "县纪委监委", "110101000000")
    org("township_commission", "城关镇", TOWNSHIP)
    village = org("village", "东风村", VILLAGE)
    other = org("village", "西山村", OTHER_VILLAGE)
    return {
        "county": staff("county", county, Role.COUNTY_ADMIN),
        "secretary": staff("secretary", village, Role.VILLAGE_SECRETARY),
        "other": staff("other", other, Role.VILLAGE_BOOKKEEPER),
        "township": staff("township", org("township_commission", "城关镇", TOWNSHIP), Role.TOWNSHIP_OFFICER),
    }


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(title: str = "村级光伏电站收益分配", steps: str = STEPS, **extra: str) -> dict[str, str]:
    return {"title": title, "category": "三资管理", "responsible": "村民委员会",
            "basis": "县有关规定", "steps": steps, **extra}


def test_the_basic_list_is_realistic_and_within_its_own_bounds() -> None:
    codes = [m.code for m in power.BASIC_LIST]
    assert len(codes) == len(set(codes)) and 20 <= len(codes) <= 30
    assert {m.category for m in power.BASIC_LIST} >= {"重大事项决策", "三资管理", "工程建设", "采购", "用工",
                                                        "印章使用", "民生事务", "村务管理"}
    for m in power.BASIC_LIST:
        power.validate(title=m.title, category=m.category, basis=m.basis, responsible=m.responsible,
                       steps=list(m.steps))
    four = next(m for m in power.BASIC_LIST if m.code == "JC01")
    assert four.steps == ("村党组织提议", "村两委会议商议", "党员大会审议", "村民(代表)会议决议", "决议公开", "实施结果公开")


def test_seeding_is_idempotent_and_never_undoes_the_countys_edits(world: dict[str, User]) -> None:
    assert power.seed_basic_list() == len(power.BASIC_LIST)
    item = PowerItem.objects.get(village_code="", code="YZ01")
    power.do_update_item(world["county"], item, title="村级印章使用管理", category=item.category,
                         basis=item.basis, responsible="村党组织书记", steps=item.steps)
    power.do_set_active(world["county"], PowerItem.objects.get(village_code="", code="CG01"), active=False)
    PowerItem.objects.filter(village_code="", code="CW03").delete()

    assert power.seed_basic_list() == 1  # only the missing one comes back
    assert power.seed_basic_list() == 0
    assert PowerItem.objects.filter(village_code="").count() == len(power.BASIC_LIST)
    assert PowerItem.objects.get(code="YZ01").title == "村级印章使用管理"
    assert PowerItem.objects.get(code="CG01").active is False


def test_the_county_edits_the_basic_list_and_the_trail_keeps_before_and_after(world: dict[str, User]) -> None:
    power.seed_basic_list()
    item = PowerItem.objects.get(village_code="", code="YZ01")
    client = signed_in(world["county"])
    response = client.post(reverse("console:portal_power_edit", args=[item.pk]),
                           form(title="村级印章使用管理", steps="申请\n审批\n登记\n盖章"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "村级印章使用管理" and item.steps == ["申请", "审批", "登记", "盖章"]
    entry = AuditEntry.objects.filter(action="portal.power.edit").get()
    assert entry.detail["before"]["title"] == "村级印章使用"
    assert entry.detail["after"]["steps"] == ["申请", "审批", "登记", "盖章"]

    response = client.post(reverse("console:portal_power_new"), form(title="村级资金竞争性存放"))
    assert response.status_code == 302
    added = PowerItem.objects.get(title="村级资金竞争性存放")
    assert added.village_code == "" and added.code == "B01"

    assert client.post(reverse("console:portal_power_active", args=[added.pk]), {"active": "0"}).status_code == 302
    added.refresh_from_db()
    assert added.active is False
    assert AuditEntry.objects.filter(action="portal.power.deactivate").count() == 1


def test_a_village_adds_and_edits_its_own_matters_only(world: dict[str, User]) -> None:
    power.seed_basic_list()
    mine = signed_in(world["secretary"])
    assert mine.post(reverse("console:portal_power_new"), form()).status_code == 302
    item = PowerItem.objects.get(title="村级光伏电站收益分配")
    assert (item.village_code, item.code) == (VILLAGE, "Z01")
    assert mine.post(reverse("console:portal_power_edit", args=[item.pk]),
                     form(title="光伏电站收益分配")).status_code == 302
    item.refresh_from_db()
    assert item.title == "光伏电站收益分配"

    # The basic list: visible in the console, but not the village's to change.
    basic = PowerItem.objects.get(village_code="", code="JC01")
    page = mine.get(reverse("console:portal_power"))
    assert page.status_code == 200 and "村级重大事项决策" in page.content.decode()
    assert mine.get(reverse("console:portal_power_edit", args=[basic.pk])).status_code == 403
    assert mine.post(reverse("console:portal_power_edit", args=[basic.pk]), form(title="改掉")).status_code == 403
    assert mine.post(reverse("console:portal_power_active", args=[basic.pk]), {"active": "0"}).status_code == 403
    basic.refresh_from_db()
    assert basic.title == "村级重大事项决策(“四议两公开”)" and basic.active

    # Another village's matter does not exist for it.
    theirs = signed_in(world["other"])
    assert theirs.get(reverse("console:portal_power_edit", args=[item.pk])).status_code == 404
    assert theirs.post(reverse("console:portal_power_edit", args=[item.pk]), form(title="别村改的")).status_code == 404
    assert theirs.post(reverse("console:portal_power_active", args=[item.pk]), {"active": "0"}).status_code == 404
    assert "光伏电站收益分配" not in theirs.get(reverse("console:portal_power")).content.decode()
    item.refresh_from_db()
    assert item.title == "光伏电站收益分配" and item.active

    # The township officer holds no power.edit; the action refuses a foreign village too.
    assert signed_in(world["township"]).get(reverse("console:portal_power")).status_code == 403
    with pytest.raises(Refused):
        power.do_create_item(world["secretary"], village_code=OTHER_VILLAGE, title="越权", category="其他",
                             basis="", responsible="村民委员会", steps=["一", "二"])
    with pytest.raises(Refused):
        power.do_create_item(world["secretary"], village_code="", title="越权", category="其他",
                             basis="", responsible="村民委员会", steps=["一", "二"])
    assert not PowerItem.objects.filter(village_code=OTHER_VILLAGE).exists()


def test_the_county_sees_every_villages_additions(world: dict[str, User]) -> None:
    power.do_create_item(world["secretary"], village_code=VILLAGE, title="东风村自选事项", category="其他",
                         basis="", responsible="村民委员会", steps=["一", "二"])
    power.do_create_item(world["other"], village_code=OTHER_VILLAGE, title="西山村自选事项", category="其他",
                         basis="", responsible="村民委员会", steps=["一", "二"])
    page = signed_in(world["county"]).get(reverse("console:portal_power")).content.decode()
    assert "东风村自选事项" in page and "西山村自选事项" in page


def test_the_public_list_groups_the_basic_list_and_the_villages_additions(world: dict[str, User]) -> None:
    power.seed_basic_list()
    power.do_create_item(world["secretary"], village_code=VILLAGE, title="村级光伏电站收益分配", category="三资管理",
                         basis="县有关规定", responsible="村民委员会", steps=["核算收益", "民主决策", "公示"])
    power.do_create_item(world["other"], village_code=OTHER_VILLAGE, title="西山村茶园承包", category="三资管理",
                         basis="", responsible="村民委员会", steps=["一", "二"])
    power.do_set_active(None, PowerItem.objects.get(village_code="", code="CG01"), active=False)

    page = Client().get(reverse("portal:power", args=[VILLAGE]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "村级重大事项决策" in html and "村级光伏电站收益分配" in html
    assert "本村增补" in html or "added by this village" in html
    assert "西山村茶园承包" not in html  # another village's
    assert "村级物资和服务采购" not in html  # retired by the county
    assert html.index("重大事项决策") < html.index("三资管理") < html.index("民生事务") < html.index("村务管理")
    assert len(page.content) < 100_000


def test_a_matters_page_draws_its_steps_in_order(world: dict[str, User]) -> None:
    power.seed_basic_list()
    item = PowerItem.objects.get(village_code="", code="JC01")
    html = Client().get(reverse("portal:power_item", args=[VILLAGE, item.pk])).content.decode()
    assert '<ol class="flow"' in html
    flow = html[html.index('<ol class="flow"'):]
    positions = [flow.index(f"<li>{step}</li>") for step in item.steps]
    assert positions == sorted(positions)
    assert "《村民委员会组织法》第二十四条" in html and "村党组织书记" in html


def test_a_matter_of_another_village_or_retired_is_not_found(world: dict[str, User]) -> None:
    theirs = power.do_create_item(world["other"], village_code=OTHER_VILLAGE, title="西山村茶园承包",
                                  category="三资管理", basis="", responsible="村民委员会", steps=["一", "二"])
    client = Client()
    assert client.get(reverse("portal:power_item", args=[VILLAGE, theirs.pk])).status_code == 404
    assert client.get(reverse("portal:power_item", args=[OTHER_VILLAGE, theirs.pk])).status_code == 200
    power.do_set_active(world["other"], theirs, active=False)
    assert client.get(reverse("portal:power_item", args=[OTHER_VILLAGE, theirs.pk])).status_code == 404
    assert client.get(reverse("portal:power_item", args=[OTHER_VILLAGE, 999999])).status_code == 404
    assert client.get(reverse("portal:power", args=["999999999999"])).status_code == 404
    assert client.get("/v/abc/power/").status_code == 404


@pytest.mark.parametrize("bad, message", [
    ({"steps": "\n".join(f"第{i}步" for i in range(13))}, "步骤须为 2 至 12 步"),
    ({"steps": "只有一步"}, "步骤须为 2 至 12 步"),
    ({"steps": "申请\n" + "很" * 41}, "第 2 步超过 40 个字"),
    ({"title": "长" * 81}, ""),
    ({"responsible": "人" * 81}, ""),
    ({"basis": "依" * 1001}, ""),
    ({"category": "<script>"}, ""),
])
def test_hostile_input_is_refused_and_kept_in_the_form(world: dict[str, User], bad: dict[str, str],
                                                        message: str) -> None:
    client = signed_in(world["secretary"])
    client.cookies["django_language"] = "zh-hans"
    response = client.post(reverse("console:portal_power_new"), form(**bad), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    html = response.content.decode()
    if message:
        assert message in html
    assert not PowerItem.objects.exists()
    with pytest.raises(power.PowerInvalid):
        fields = form(**bad)
        power.do_create_item(world["secretary"], village_code=VILLAGE, title=fields["title"],
                             category=fields["category"], basis=fields["basis"],
                             responsible=fields["responsible"], steps=power.split_steps(fields["steps"]))


def test_markup_in_a_matter_is_shown_as_text(world: dict[str, User]) -> None:
    item = power.do_create_item(world["secretary"], village_code=VILLAGE, title="<script>alert(1)</script>",
                                category="其他", basis="<b>依据</b>", responsible="<i>村委会</i>",
                                steps=["<img src=x onerror=alert(1)>", "公示"])
    client = Client()
    for url in (reverse("portal:power", args=[VILLAGE]), reverse("portal:power_item", args=[VILLAGE, item.pk])):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html and "<i>村委会" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&lt;i&gt;村委会" in html


def test_the_demo_seed_is_idempotent(world: dict[str, User]) -> None:
    first = power.seed_demo()
    assert first["power_basic_created"] == len(power.BASIC_LIST) and first["power_village_added"] == 1
    second = power.seed_demo()
    assert second["power_basic_created"] == 0 and second["power_village_added"] == 0
    assert PowerItem.objects.exclude(village_code="").count() == 1
