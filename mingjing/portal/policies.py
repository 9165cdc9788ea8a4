"""The subsidy policy list (政策清单): one public text per programme of the `programs` dataset.

The department's data give the programme's name, department and standard; what a villager needs
besides (who is eligible, the basis, whom to ask) is written by the county. So `sync_policies`
only *creates* a row for a programme that has none, prefilled in plain words from the data, and
afterwards only keeps the name and department in step with the data: a text the county wrote is
never overwritten. The county edits the texts through `do_edit_policy`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from mingjing.accounts import policy
from mingjing.audit.actions import record
from mingjing.datahub import queries as hub
from mingjing.lib import sensitive
from mingjing.portal.models import ProgrammePolicy

COLUMNS = ["program_code", "program_name", "department", "unit_standard", "min_age", "category"]

# Bounds of what the county may write (the model's lengths, and a sane size for the texts).
LIMITS = {"basis": 2000, "standard": 200, "cycle": 64, "eligibility": 1000, "contact": 200}
TEXT_FIELDS = ("basis", "standard", "cycle", "eligibility", "contact", "published")

# Plain-words starting texts by programme category (the contract's category codes).
ELIGIBILITY = {
    "dibao": "家庭成员人均收入低于本县农村低保标准、家庭财产状况符合规定的本县户籍农村居民。",
    "tekun": "无劳动能力、无生活来源，且没有法定赡养、抚养、扶养义务人(或义务人无能力履行)的本县户籍"
             "老年人、残疾人和未满 16 周岁的未成年人。",
    "disability": "持有第二代残疾人证的本县户籍残疾人：低保家庭中的残疾人可领困难残疾人生活补贴，"
                  "残疾等级为一级、二级的可领重度残疾人护理补贴。",
    "education": "脱贫家庭(含防止返贫监测对象家庭)中正在接受中等、高等职业教育的子女。",
    "agriculture": "拥有耕地承包权、耕地仍用于农业生产的农户，按确权面积领取。",
}
BASIS = {
    "dibao": "《社会救助暂行办法》“最低生活保障”一章",
    "tekun": "《社会救助暂行办法》“特困人员供养”一章",
    "elderly": "本省高龄津贴制度的规定",
    "disability": "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》(国发〔2015〕52号)",
    "agriculture": "《财政部 农业部关于全面推开农业“三项补贴”改革工作的通知》(财农〔2016〕26号)",
}
CYCLE = {"agriculture": "每年发放一次", "education": "按学期发放"}


def amount_words(value: Any) -> str:
    """120.00 → "120", 95.50 → "95.5": an amount as people write it."""
    return format(Decimal(value).normalize(), "f")


def standard_words(category: str, unit_standard: Any) -> str:
    """The data's standard (yuan per person per month) in words; empty when there is none."""
    if unit_standard is None or Decimal(unit_standard) <= 0:
        return ""
    if category == "agriculture":
        return f"每亩 {amount_words(unit_standard)} 元"
    return f"每人每月 {amount_words(unit_standard)} 元"


def eligibility_words(category: str, min_age: int | None, department: str) -> str:
    if category == "elderly":
        return f"年满 {min_age} 周岁的本县户籍老人。" if min_age else "达到规定年龄的本县户籍老人。"
    if category in ELIGIBILITY:
        return ELIGIBILITY[category]
    if min_age:
        return f"年满 {min_age} 周岁、符合本项目条件的本县户籍居民。"
    asked = department or "主管部门"
    return f"符合本项目条件的本县户籍居民，具体条件请咨询{asked}。"


def contact_words(department: str) -> str:
    return f"本村村委会，或县{department}" if department else "本村村委会"


def prefilled(row: dict[str, Any]) -> dict[str, str]:
    """The starting texts of a programme's row of the `programs` dataset, in plain words."""
    category = str(row.get("category") or "")
    department = str(row.get("department") or "")[:64]
    return {
        "basis": BASIS.get(category, ""),
        "standard": standard_words(category, row.get("unit_standard")),
        "cycle": CYCLE.get(category, "按月发放"),
        "eligibility": eligibility_words(category, row.get("min_age"), department),
        "contact": contact_words(department),
    }


def _programmes() -> dict[str, dict[str, Any]]:
    """The active programmes by code (a later batch's row wins)."""
    table = hub.read_dataset("programs", COLUMNS)
    rows = table.to_pylist() if table is not None else []
    return {str(r["program_code"]): r for r in rows if r.get("program_code")}


def sync_policies(user: User | None = None) -> dict[str, int]:
    """Create the missing programmes' texts and keep names and departments in step with the data.

    Returns how many rows were created and updated. A programme gone from the data keeps its row
    (the payments published under it still need their text)."""
    policy.require_unless_system(user, "policy.edit")
    programmes = _programmes()
    created: list[str] = []
    updated: dict[str, dict[str, Any]] = {}
    with transaction.atomic():
        existing = {p.program_code: p for p in ProgrammePolicy.objects.select_for_update()}
        for code, row in sorted(programmes.items()):
            code = code[:32]
            name = str(row.get("program_name") or code)[:64]
            department = str(row.get("department") or "")[:64]
            found = existing.get(code)
            if found is None:
                ProgrammePolicy.objects.create(program_code=code, name=name, department=department,
                                               updated_by=user, **prefilled(row))
                created.append(code)
            elif (found.name, found.department) != (name, department):
                updated[code] = {"before": {"name": found.name, "department": found.department},
                                 "after": {"name": name, "department": department}}
                found.name, found.department = name, department
                found.save(update_fields=["name", "department", "updated_at"])
        if created or updated:
            record("portal.policy.sync", actor=user, object_type="portal.programmepolicy",
                   detail={"created": created, "updated": updated})
    return {"policies_created": len(created), "policies_updated": len(updated)}


class PolicyInvalid(ValueError):
    def __init__(self, field: str, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.field = field
        self.zh = zh
        self.en = en


def do_edit_policy(user: User | None, item: ProgrammePolicy, *, basis: str, standard: str, cycle: str,
                   eligibility: str, contact: str, published: bool) -> ProgrammePolicy:
    """The county's text of one programme. Name and department stay the data's."""
    policy.require_unless_system(user, "policy.edit")
    values: dict[str, Any] = {"basis": basis.strip(), "standard": standard.strip(), "cycle": cycle.strip(),
                              "eligibility": eligibility.strip(), "contact": contact.strip()}
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            raise PolicyInvalid(name, f"内容过长：不能超过 {limit} 个字(现有 {len(values[name])} 个字)",
                                f"too long: at most {limit} characters ({len(values[name])})")
        if found := sensitive.find(values[name]):  # published on every village's page
            raise PolicyInvalid(name, *sensitive.reason(found, "该项内容", "this field"))
    values["published"] = bool(published)
    with transaction.atomic():
        item = ProgrammePolicy.objects.select_for_update().get(pk=item.pk)
        before = {name: getattr(item, name) for name in TEXT_FIELDS}
        changed = [name for name in TEXT_FIELDS if before[name] != values[name]]
        if changed:
            for name in changed:
                setattr(item, name, values[name])
            item.updated_by = user
            item.save(update_fields=[*changed, "updated_by", "updated_at"])
            record("portal.policy.edit", actor=user, obj=item, detail={
                "program_code": item.program_code,
                "before": {n: before[n] for n in changed}, "after": {n: values[n] for n in changed},
            })
    return item


def on_batch_activated(sender: Any, batch: Any, **kwargs: Any) -> None:
    """For `datahub.signals.batch_activated`: a new programmes file brings its new programmes'
    texts (prefilled, for the county to complete) at once."""
    if getattr(batch, "dataset", "") == "programs":
        sync_policies()


# The demo county's programmes whose category ("other", "education") says too little to prefill
# a useful text: what a county would write for them.
DEMO_TEXTS: dict[str, dict[str, str]] = {
    "RS001": {"eligibility": "年满 60 周岁、参加城乡居民基本养老保险的本县户籍居民，且未领取职工养老金等其他基本养老金。",
              "basis": "《国务院关于建立统一的城乡居民基本养老保险制度的意见》(国发〔2014〕8号)"},
    "WJ001": {"eligibility": "本县农村户籍、只生育一个子女或两个女孩(或子女死亡现无子女)的夫妻，年满 60 周岁起每人按月领取。",
              "basis": "农村部分计划生育家庭奖励扶助制度的规定"},
    "JY001": {"basis": "雨露计划职业教育补助政策(脱贫家庭子女接受职业教育补助)"},
    "NY001": {"standard": "每亩 95.5 元，按确权面积计算"},
}


def seed_demo() -> dict[str, int]:
    """The demo county's policy list: synchronised from its programmes, with the few texts the
    data cannot give filled in where a field still holds what the synchronisation wrote, on rows
    no staff member has edited (never over a text somebody wrote). Idempotent."""
    counts = sync_policies()
    programmes = _programmes()
    completed = 0
    for item in ProgrammePolicy.objects.filter(program_code__in=DEMO_TEXTS, updated_by__isnull=True):
        untouched = prefilled(programmes[item.program_code]) if item.program_code in programmes else {}
        texts = {name: value for name, value in DEMO_TEXTS[item.program_code].items()
                 if getattr(item, name) != value and getattr(item, name) in ("", untouched.get(name))}
        if texts:
            current = {name: getattr(item, name) for name in TEXT_FIELDS}
            do_edit_policy(None, item, **{**current, **texts})
            completed += 1
    return {**counts, "policies_completed": completed}
