"""The built-in headings of 三务公开 (party, village and finance affairs), as data.

Sources (domain-notes §3.2): the 8 finance categories of 《农村集体经济组织财务公开规定》
(农经发〔2011〕13号) and its special items (专项公开); the 《村务公开事项参考目录》 split into rules
(制度类) and matters (事务类); the usual 党务公开 items. A county adds its own "X" headings in
the console (`builtin=False`, codes X01, X02, ...).

`sync_categories` runs after every migrate: it creates missing built-ins and keeps their names,
basis, section and order in step with this file. It never deletes a category (published items
point at it) and keeps what the county may change on a built-in: cadence, due day and whether
it is in use. To add a built-in heading, append a line below with a new code; the next migrate
creates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MONTHLY, QUARTERLY, YEARLY, AS_NEEDED = "monthly", "quarterly", "yearly", "as_needed"
FINANCE_BASIS = "《农村集体经济组织财务公开规定》（农经发〔2011〕13号）"
VILLAGE_BASIS = "《村务公开事项参考目录》"
PARTY_BASIS = "《中国共产党党务公开条例（试行）》"


@dataclass(frozen=True)
class Builtin:
    code: str
    section: str  # party | village | finance
    name: str
    basis: str
    cadence: str
    due_day: int
    order: int


# Code prefixes name the group a heading is shown under on the public pages.
GROUPS = {
    "DW": "党务公开",
    "ZD": "制度类",
    "SW": "事务类",
    "CW": "财务公开",
    "ZX": "专项公开",
    "X": "其他公开事项",
}


def _rows() -> list[Builtin]:
    rows: list[tuple[str, str, str, str, str, int]] = [
        # party affairs
        ("DW01", "party", "党组织设置及党组织领导班子成员", PARTY_BASIS, YEARLY, 20),
        ("DW02", "party", "发展党员", PARTY_BASIS, AS_NEEDED, 20),
        ("DW03", "party", "党费收缴使用管理", PARTY_BASIS, QUARTERLY, 20),
        ("DW04", "party", "“三会一课”及主题党日开展情况", PARTY_BASIS, YEARLY, 20),
        ("DW05", "party", "党员违纪处理", PARTY_BASIS, AS_NEEDED, 20),
        # village affairs: rules
        ("ZD01", "village", "村民自治章程、村规民约", VILLAGE_BASIS, AS_NEEDED, 20),
        ("ZD02", "village", "村民会议和村民代表会议议事规则", VILLAGE_BASIS, AS_NEEDED, 20),
        ("ZD03", "village", "村务监督制度", VILLAGE_BASIS, AS_NEEDED, 20),
        ("ZD04", "village", "印章使用管理制度", VILLAGE_BASIS, AS_NEEDED, 20),
        ("ZD05", "village", "财务管理制度", VILLAGE_BASIS, AS_NEEDED, 20),
        ("ZD06", "village", "集体资产资源管理制度", VILLAGE_BASIS, AS_NEEDED, 20),
        # village affairs: matters
        ("SW01", "village", "年度工作计划及村民代表会议决议", VILLAGE_BASIS, YEARLY, 20),
        ("SW02", "village", "低保、特困供养、残疾人补贴名单", VILLAGE_BASIS, QUARTERLY, 20),
        ("SW03", "village", "宅基地审批", VILLAGE_BASIS, QUARTERLY, 20),
        ("SW04", "village", "5万元以上重大事项", VILLAGE_BASIS, AS_NEEDED, 20),
        ("SW05", "village", "村民委员会换届选举", VILLAGE_BASIS, AS_NEEDED, 20),
        ("SW06", "village", "一事一议事项", VILLAGE_BASIS, AS_NEEDED, 20),
        ("SW07", "village", "各类救助、慰问", VILLAGE_BASIS, AS_NEEDED, 20),
        ("SW08", "village", "被征地人员养老保障", VILLAGE_BASIS, AS_NEEDED, 20),
        # finance: the 8 categories
        ("CW01", "finance", "财务计划", FINANCE_BASIS, YEARLY, 20),
        ("CW02", "finance", "各项收入", FINANCE_BASIS, MONTHLY, 20),
        ("CW03", "finance", "各项支出", FINANCE_BASIS, MONTHLY, 20),
        ("CW04", "finance", "各项资产", FINANCE_BASIS, QUARTERLY, 20),
        ("CW05", "finance", "各类资源", FINANCE_BASIS, QUARTERLY, 20),
        ("CW06", "finance", "债权债务", FINANCE_BASIS, QUARTERLY, 20),
        ("CW07", "finance", "收益分配", FINANCE_BASIS, YEARLY, 20),
        ("CW08", "finance", "其他", FINANCE_BASIS, AS_NEEDED, 20),
        # finance: special items (专项公开)
        ("ZX01", "finance", "征地补偿", FINANCE_BASIS, AS_NEEDED, 20),
        ("ZX02", "finance", "集体资产资源发包、租赁、出让、投资", FINANCE_BASIS, AS_NEEDED, 20),
        ("ZX03", "finance", "工程招投标及预决算", FINANCE_BASIS, AS_NEEDED, 20),
        ("ZX04", "finance", "“一事一议”筹资筹劳", FINANCE_BASIS, AS_NEEDED, 20),
    ]
    return [Builtin(code, section, name, basis, cadence, due, (i + 1) * 10)
            for i, (code, section, name, basis, cadence, due) in enumerate(rows)]


BUILTIN: list[Builtin] = _rows()


def group_of(code: str) -> str:
    """The heading a category is listed under (制度类, 事务类, 专项公开, ...)."""
    for prefix in sorted(GROUPS, key=len, reverse=True):
        if code.startswith(prefix):
            return GROUPS[prefix]
    return GROUPS["X"]


def sync_categories(**kwargs: Any) -> dict[str, int]:
    """Upsert the built-ins (a post_migrate receiver, hence `**kwargs`). Never deletes; keeps the
    county's cadence, due day and `active` on built-ins that already exist."""
    from mingjing.portal.models import DisclosureCategory

    counts = {"created": 0, "updated": 0}
    existing = {c.code: c for c in DisclosureCategory.objects.filter(code__in=[b.code for b in BUILTIN])}
    for b in BUILTIN:
        found = existing.get(b.code)
        if found is None:
            DisclosureCategory.objects.create(code=b.code, section=b.section, name=b.name, basis=b.basis,
                                              cadence=b.cadence, due_day=b.due_day, order=b.order, builtin=True)
            counts["created"] += 1
            continue
        wanted = {"section": b.section, "name": b.name, "basis": b.basis, "order": b.order, "builtin": True}
        changed = [k for k, v in wanted.items() if getattr(found, k) != v]
        if changed:
            for k in changed:
                setattr(found, k, wanted[k])
            found.save(update_fields=changed)
            counts["updated"] += 1
    return counts
