"""The access policy and the presenter, asked directly (the matrix test asks them through HTTP).

Personas from `tests/alerts_fixtures.py`: alice (county administrator), tom (township 001),
olga (township 002), dora (民政局), fred (财政局), victor (village 001201's supervision chair).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User

from engine.explain import mask_id
from mingjing.accounts import policy
from mingjing.accounts.models import Membership, Role
from mingjing.accounts.presenter import (
    mask_name,
    present_evidence,
    present_message,
    present_subject,
)
from mingjing.alerts.models import Alert
from tests.alerts_fixtures import Cast, engine_hit, make_cast, person, run_with


@pytest.fixture
def cast(alice: User) -> Cast:
    return make_cast(alice)


@pytest.fixture
def alert(cast: Cast) -> Alert:
    hit = engine_hit(1)
    hit.account_no = "6217000011112222333"
    hit.evidence.append(_evidence(hit.id_number))  # type: ignore[attr-defined]
    run_with(hit)
    return Alert.objects.select_related("hit").get()


def _evidence(id_number: str) -> object:
    from engine.types import Evidence

    return Evidence(dataset="payments", batch=3, row=17, values={
        "id_number": id_number, "name": "测试1", "account_no": "6217000011112222333", "program_name": "低保"})


def test_roles_come_from_the_membership_and_nothing_else(cast: Cast) -> None:
    assert policy.role_of(cast.alice) == Role.COUNTY_ADMIN
    assert policy.role_of(cast.victor) == Role.VILLAGE_SUPERVISOR
    assert policy.role_of(AnonymousUser()) is None
    staff_without_membership = User.objects.create_user("nomad", is_staff=True)
    assert policy.role_of(staff_without_membership) is None  # is_staff alone decides nothing
    cast.dora.is_active = False
    assert policy.role_of(cast.dora) is None


def test_a_superuser_acts_as_county_administrator(db: None) -> None:
    root = User.objects.create_superuser("root", password="x" * 12)
    assert policy.role_of(root) == Role.COUNTY_ADMIN
    assert policy.can(root, "deadlines.configure")


def test_a_role_outside_its_kind_of_organisation_is_refused(cast: Cast) -> None:
    from django.core.exceptions import ValidationError

    membership = Membership(user=User.objects.create_user("x"), organisation=cast.village, role=Role.COUNTY_ADMIN)
    with pytest.raises(ValidationError):
        membership.clean()


def test_only_county_administrators_change_deadlines_and_only_the_county_runs_models(cast: Cast) -> None:
    analyst = User.objects.create_user("ann", is_staff=True)
    Membership.objects.create(user=analyst, organisation=cast.county, role=Role.COUNTY_ANALYST)
    assert policy.can(cast.alice, "deadlines.configure") and not policy.can(analyst, "deadlines.configure")
    assert policy.can(analyst, "run.start") and policy.can(analyst, "model.configure")
    for user in (cast.tom, cast.dora, cast.victor):
        assert not policy.can(user, "run.start") and not policy.can(user, "model.configure")


def test_the_docs_table_lists_every_permission_and_role() -> None:
    table = policy.markdown_table()
    for name in policy.PERMISSIONS:
        assert f"`{name}`" in table
    for role in Role:
        assert f"`{role.value}`" in table


def test_village_cadres_see_their_alert_masked_name_included(cast: Cast, alert: Alert) -> None:
    subject = present_subject(alert, cast.victor, "page")
    assert not subject.full
    assert subject.id_number == person(1)[:6] + "********" + person(1)[-4:]
    assert subject.account_no == "6217***********2333"
    assert subject.name == "测**" and "测试1" not in subject.explanation


def test_handlers_see_the_subject_in_full_on_the_page_but_masked_in_lists(cast: Cast, alert: Alert) -> None:
    for user in (cast.alice, cast.tom, cast.dora):
        page = present_subject(alert, user, "page")
        assert page.full and page.id_number == person(1) and page.account_no == "6217000011112222333"
        listed = present_subject(alert, user, "list")
        assert not listed.full and listed.id_number != person(1) and listed.name == "测试1"


def test_outsiders_never_get_full_identifiers_even_for_a_page(cast: Cast, alert: Alert) -> None:
    assert not present_subject(alert, cast.olga, "page").full  # another township
    assert not present_subject(alert, cast.fred, "page").full  # not routed to 财政局


def test_only_the_county_exports_full_identifiers(cast: Cast, alert: Alert) -> None:
    assert present_subject(alert, cast.alice, "export").full
    assert not present_subject(alert, cast.tom, "export").full


def test_a_group_message_masks_everything(alert: Alert) -> None:
    message = present_subject(alert, None, "message")
    assert not message.full and message.name == mask_name("测试1") and "测试1" not in message.explanation


def test_evidence_is_labelled_in_chinese_and_masked_like_its_subject(cast: Cast, alert: Alert) -> None:
    (table,) = present_evidence(alert, cast.victor, present_subject(alert, cast.victor, "page"))
    assert dict(table.headers)["id_number"] == "身份证号码" and "id_number" not in table.labels
    row = table.rows[0]["values"]
    assert row["id_number"] != person(1) and row["account_no"] == "6217***********2333"
    assert row["name"] == "测**" and row["program_name"] == "低保"  # a programme is not a person
    (full,) = present_evidence(alert, cast.dora, present_subject(alert, cast.dora, "page"))
    assert full.rows[0]["values"]["id_number"] == person(1)


def test_mask_name_keeps_the_surname_only() -> None:
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***" and mask_name("") == ""


def test_other_people_quoted_in_the_texts_are_masked_for_villages_and_group_chats(cast: Cast) -> None:
    hit = engine_hit(2, region="110101001201")
    hit.values = {"account_name": "李大四"}
    hit.observed = "账户名“李大四”与领取人不一致"
    run_with(hit)
    alert = Alert.objects.select_related("hit").get()
    assert "李**" in present_subject(alert, cast.victor, "page").observed
    assert "李大四" not in present_subject(alert, cast.victor, "page").observed
    assert "李大四" not in present_message(f"{alert.hit.observed}；{alert.hit.explanation}", alert)
    assert present_subject(alert, cast.tom, "page").observed == "账户名“李大四”与领取人不一致"


def test_id_numbers_are_masked_whatever_the_rule_calls_their_column(cast: Cast) -> None:
    from mingjing.accounts.presenter import present_value

    other = person(9)
    assert present_value("other_id", other, full=False, hide_names=False) == mask_id(other)
    assert present_value("paid_ids", [other], full=False, hide_names=False) == [mask_id(other)]
    assert present_value("note", f"与 {other} 共用账户", full=False, hide_names=False) == f"与 {mask_id(other)} 共用账户"
    assert present_value("household_id", "H0012", full=False, hide_names=False) == "H0012"
    assert present_value("other_id", other, full=True, hide_names=False) == other
