"""The micro-power list (小微权力清单): which village matters exist, who is responsible, on what
basis, and the steps each one must go through.

The county keeps a basic list (`village_code` empty) that every village shows; a village adds
its own matters beside it (本村增补). `BASIC_LIST` is the county's starting list as data:
`seed_basic_list` creates the matters it lacks and never touches one the county has edited or
retired, so a rerun (every `mingjing demo`, every upgrade) is harmless. Every other write goes
through the actions below, which check `power.edit` themselves and record before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max

from mingjing.accounts import policy
from mingjing.audit.actions import record
from mingjing.lib import sensitive
from mingjing.portal.models import PowerItem

# The headings of the list, in the order pages show them.
CATEGORIES = ("重大事项决策", "三资管理", "工程建设", "采购", "用工", "印章使用", "民生事务", "村务管理", "其他")

MAX_TITLE = 80
MAX_RESPONSIBLE = 80
MAX_BASIS = 1000
MIN_STEPS, MAX_STEPS = 2, 12
MAX_STEP = 40

FOUR_AND_TWO = "“四议两公开”(村党组织提议、村两委会议商议、党员大会审议、村民会议或村民代表会议决议，决议公开、实施结果公开)"


@dataclass(frozen=True)
class Matter:
    code: str
    category: str
    title: str
    responsible: str
    basis: str
    steps: tuple[str, ...]


BASIC_LIST: tuple[Matter, ...] = (
    # 重大事项决策
    Matter("JC01", "重大事项决策", "村级重大事项决策(“四议两公开”)", "村党组织书记",
           "《中国共产党农村基层组织工作条例》规定村级重大事项决策实行" + FOUR_AND_TWO + "；"
           "《村民委员会组织法》第二十四条：涉及村民利益的事项，经村民会议讨论决定方可办理。",
           ("村党组织提议", "村两委会议商议", "党员大会审议", "村民(代表)会议决议", "决议公开", "实施结果公开")),
    Matter("JC02", "重大事项决策", "召集村民会议、村民代表会议", "村民委员会主任",
           "《村民委员会组织法》第二十一条、第二十五条、第二十六条：村民会议由村民委员会召集，"
           "十分之一以上村民或者三分之一以上村民代表提议，应当召集；召开前应当通知村民。",
           ("确定会议议题", "村两委会议商议", "提前通知并公告议题", "召开会议、表决", "形成会议记录并签字", "公布会议决定")),
    Matter("JC03", "重大事项决策", "制定、修改村规民约和村民自治章程", "村民委员会",
           "《村民委员会组织法》第二十七条：村民会议可以制定和修改村民自治章程、村规民约，"
           "并报乡、民族乡、镇的人民政府备案。",
           ("村党组织提议", "征求村民意见、起草", "村两委会议商议", "党员大会审议", "村民会议讨论通过",
            "报乡镇人民政府备案", "公布施行")),
    # 三资管理
    Matter("SZ01", "三资管理", "村集体资金支出审批", "报账员(村会计)",
           "《村民委员会组织法》第三十条、第三十二条；《农村集体经济组织财务制度》：每笔支出须有合法票据，"
           "经村务监督委员会审核、负责人审批后入账，大额支出须经民主决策。",
           ("经办人取得票据、填写支出单", "村务监督委员会审核", "村委会主任审批(大额须“四议两公开”)",
            "报账员登记报账", "乡镇三资服务中心审核入账", "按月公开收支")),
    Matter("SZ02", "三资管理", "集体资产资源发包、出租", "村民委员会",
           "《村民委员会组织法》第二十四条：集体经济项目的承包方案、村集体经济收益的使用等，经村民会议讨论决定；"
           "《农村土地承包法》关于以招标、拍卖、公开协商等方式承包的规定。",
           ("拟定发包(出租)方案", "“四议两公开”决策", "发布公告", "公开招标或竞价", "签订合同并报乡镇备案",
            "公示结果", "按合同收取价款并入账")),
    Matter("SZ03", "三资管理", "集体经济项目立项", "村党组织书记",
           "《村民委员会组织法》第二十四条：村集体经济项目的立项、承包方案，经村民会议讨论决定方可办理。",
           ("提出项目建议", "可行性论证", "“四议两公开”决策", "报乡镇审核", "组织实施", "公开实施结果")),
    Matter("SZ04", "三资管理", "集体资产处置", "村民委员会",
           "《村民委员会组织法》第二十四条；县农村集体资产管理办法：处置集体资产须评估、民主决策并公开进行。",
           ("资产清查、评估", "“四议两公开”决策", "报乡镇审核", "公开拍卖或竞价", "收入全额入账", "公示处置结果")),
    Matter("SZ05", "三资管理", "村集体收益分配", "村民委员会",
           "《村民委员会组织法》第二十四条：村集体经济收益的使用，经村民会议讨论决定方可办理。",
           ("核实可分配收益", "拟定分配方案", "“四议两公开”决策", "报乡镇审核", "公示分配名单和金额", "打卡发放")),
    # 工程建设
    Matter("GC01", "工程建设", "村级小型工程项目发包", "村民委员会",
           "《村民委员会组织法》第二十四条：本村公益事业的兴办和筹资筹劳方案及建设承包方案，经村民会议讨论决定；"
           "达到规定限额的依《招标投标法》招标，限额以下按县村级小型工程管理规定公开比选。",
           ("项目立项、编制预算", "“四议两公开”决策", "报乡镇审核", "公开比选或招标", "公示中标结果",
            "签订施工合同", "施工过程监督")),
    Matter("GC02", "工程建设", "工程变更和增加费用", "村民委员会",
           "县村级小型工程管理规定：变更须说明理由、现场核实并经民主决策，不得先变更后补手续。",
           ("提出变更理由和预算", "现场核实", "村两委会议商议", "村务监督委员会审核", "报乡镇审批", "公开变更结果")),
    Matter("GC03", "工程建设", "工程验收和结算", "村务监督委员会",
           "《村民委员会组织法》第三十二条：村务监督委员会负责村民民主理财，监督村务公开等制度的落实；"
           "工程未经验收不得结算付款。",
           ("施工方申请验收", "村民代表、村务监督委员会参加验收", "乡镇或第三方审核结算", "支付工程款",
            "公开结算结果")),
    # 采购
    Matter("CG01", "采购", "村级物资和服务采购", "村民委员会",
           "《村民委员会组织法》第三十条；县村级采购管理规定：采购须比价，大额采购须民主决策，禁止化整为零。",
           ("提出采购需求和预算", "村两委会议商议", "询价比价(不少于三家)", "村务监督委员会监督",
            "签订合同或取得发票", "验收入库", "报账并公开")),
    # 用工
    Matter("YG01", "用工", "村级劳务用工", "村民委员会主任",
           "县村级劳务用工管理规定：用工须有预算、公开招募，当日用工当日确认，村干部不得以用工名义领取额外报酬。",
           ("编制用工计划和预算", "村两委会议商议", "公开招募用工人员", "当日用工当日确认(三方签字)",
            "村务监督委员会审核", "按月结算、打卡支付", "公开用工明细")),
    # 印章使用
    Matter("YZ01", "印章使用", "村级印章使用", "印章管理人",
           "县村级印章管理规定：用印须经审批并逐次登记，严禁在空白纸张、空白介绍信上盖章。",
           ("申请人填写用印申请", "村党组织书记或村委会主任审批", "登记用印事由和份数", "当面盖章",
            "留存复印件归档")),
    # 民生事务
    Matter("MS01", "民生事务", "最低生活保障申请初审", "村民委员会",
           "《社会救助暂行办法》“最低生活保障”一章：申请向乡镇人民政府提出，村民委员会可以受理申请并协助调查、"
           "公示；审批由县级民政部门作出。",
           ("申请人提出书面申请", "入户调查、核对收入财产", "民主评议", "村内公示初审意见", "乡镇审核",
            "县民政局审批", "公示并按月发放")),
    Matter("MS02", "民生事务", "特困人员供养申请", "村民委员会",
           "《社会救助暂行办法》“特困人员供养”一章：无劳动能力、无生活来源且无法定赡养、抚养、扶养义务人"
           "或者其无能力的老年人、残疾人和未满 16 周岁的未成年人给予供养。",
           ("本人或代理人提出申请", "村委会协助调查核实", "村内公示", "乡镇审核", "县民政局审批", "确定供养方式并发放")),
    Matter("MS03", "民生事务", "临时救助申请", "村民委员会",
           "《社会救助暂行办法》“临时救助”一章：因火灾、交通事故等意外事件或家庭成员突发重大疾病等原因，"
           "导致基本生活暂时出现严重困难的家庭，给予临时救助。",
           ("申请人提出申请", "村委会核实情况", "乡镇审核(紧急情况先行救助)", "县民政局审批", "公示救助结果")),
    Matter("MS04", "民生事务", "宅基地申请", "村民委员会",
           "《土地管理法》第六十二条：农村村民一户只能拥有一处宅基地，面积不得超过规定标准；"
           "村民住宅用地由乡(镇)人民政府审核批准。",
           ("农户提出书面申请", "村民小组会议讨论", "村委会审查", "村内公示", "报乡镇审核批准",
            "实地丈量放线", "竣工验收")),
    Matter("MS05", "民生事务", "残疾人两项补贴申请", "村民委员会",
           "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》(国发〔2015〕52号)。",
           ("本人或监护人提出申请", "村委会协助受理", "乡镇审核", "县残联审核", "县民政局审定", "按月打卡发放")),
    Matter("MS06", "民生事务", "高龄津贴申请", "村民委员会",
           "本省高龄津贴制度的规定：达到规定年龄的本地户籍老年人按月领取高龄津贴。",
           ("本人或家属提出申请", "村委会核对户籍和年龄", "乡镇审核", "县民政局审批", "按月打卡发放",
            "每年核实一次生存状况")),
    Matter("MS07", "民生事务", "耕地地力保护补贴面积核实", "村民委员会",
           "《财政部 农业部关于全面推开农业“三项补贴”改革工作的通知》(财农〔2016〕26号)：补贴对象为拥有耕地承包权的种地农民，"
           "按确权面积核定。",
           ("农户申报面积", "村民小组核实", "村内公示", "乡镇汇总审核", "县农业农村局、财政局审定", "打卡发放")),
    Matter("MS08", "民生事务", "农村危房改造申请", "村民委员会",
           "国家农村危房改造政策：优先保障低保户、分散供养特困人员、贫困残疾人家庭等重点对象。",
           ("农户提出申请", "村民代表会议评议", "村内公示", "乡镇审核", "县住建局组织房屋鉴定", "组织改造",
            "竣工验收后拨付补助")),
    # 村务管理
    Matter("CW01", "村务管理", "村务公开", "村民委员会",
           "《村民委员会组织法》第三十条：村务公开一般事项至少每季度公布一次，集体财务往来较多的，"
           "财务收支情况应当每月公布一次；涉及村民利益的重大事项应当随时公布。",
           ("村委会提出公开内容", "村务监督委员会审核", "村党组织把关", "按时公开", "收集村民意见", "答复和整改")),
    Matter("CW02", "村务管理", "出具证明", "村民委员会",
           "《村民委员会组织法》；国家关于证明事项清理的规定：只出具村委会掌握、能够核实的证明，"
           "不得出具无法核实的证明。",
           ("申请人提出申请并提交材料", "经办人核实情况", "村委会主任审核签字", "登记并加盖公章", "存档备查")),
    Matter("CW03", "村务管理", "村务监督", "村务监督委员会",
           "《村民委员会组织法》第三十二条：村务监督委员会负责村民民主理财，监督村务公开等制度的落实，"
           "其成员向村民会议和村民代表会议负责，可以列席村民委员会会议。",
           ("列席村两委会议", "审核财务票据", "收集村民意见", "提出监督建议", "督促整改", "向村民(代表)会议报告")),
)


class PowerInvalid(ValueError):
    """A matter that may not be stored: which field, and why in Chinese and English."""

    def __init__(self, field: str, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.field = field
        self.zh = zh
        self.en = en


def split_steps(text: str) -> list[str]:
    """Steps as typed in the console: one per line, blank lines and outer spaces dropped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def check_steps(steps: list[str]) -> list[str]:
    if not MIN_STEPS <= len(steps) <= MAX_STEPS:
        raise PowerInvalid("steps", f"步骤须为 {MIN_STEPS} 至 {MAX_STEPS} 步，现有 {len(steps)} 步",
                           f"between {MIN_STEPS} and {MAX_STEPS} steps are needed, found {len(steps)}")
    for number, step in enumerate(steps, 1):
        if len(step) > MAX_STEP:
            raise PowerInvalid("steps", f"第 {number} 步超过 {MAX_STEP} 个字(现有 {len(step)} 个字)",
                               f"step {number} is longer than {MAX_STEP} characters ({len(step)})")
    return steps


def validate(*, title: str, category: str, basis: str, responsible: str, steps: list[str]) -> dict[str, Any]:
    """The fields of a matter, trimmed and checked; the forms ask the same questions first."""
    title, basis, responsible = title.strip(), basis.strip(), responsible.strip()
    steps = check_steps([str(s).strip() for s in steps if str(s).strip()])
    if not title or len(title) > MAX_TITLE:
        raise PowerInvalid("title", f"事项名称须为 1 至 {MAX_TITLE} 个字", f"the title needs 1 to {MAX_TITLE} characters")
    if category not in CATEGORIES:
        raise PowerInvalid("category", f"未知的类别：{category[:20]}", f"unknown category: {category[:20]}")
    if len(basis) > MAX_BASIS:
        raise PowerInvalid("basis", f"依据不能超过 {MAX_BASIS} 个字", f"the basis may not exceed {MAX_BASIS} characters")
    if not responsible or len(responsible) > MAX_RESPONSIBLE:
        raise PowerInvalid("responsible", f"责任主体须为 1 至 {MAX_RESPONSIBLE} 个字",
                           f"the responsible role needs 1 to {MAX_RESPONSIBLE} characters")
    for field, text in (("title", title), ("basis", basis), ("responsible", responsible),
                        ("steps", "\n".join(steps))):
        if found := sensitive.find(text):  # the list is public
            raise PowerInvalid(field, *sensitive.reason(found, "该项内容", "this field"))
    return {"title": title, "category": category, "basis": basis, "responsible": responsible, "steps": steps}


FIELDS = ("title", "category", "basis", "responsible", "steps", "active")


def _state(item: PowerItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in FIELDS}


# -- the county's basic list ------------------------------------------------------------------------


def seed_basic_list() -> int:
    """Create the matters of `BASIC_LIST` the county does not have yet (by code); returns how many.
    An existing matter is left alone, whatever the county made of it (edited, retired)."""
    with transaction.atomic():
        existing = set(PowerItem.objects.filter(village_code="").values_list("code", flat=True))
        created = []
        for position, matter in enumerate(BASIC_LIST):
            if matter.code in existing:
                continue
            created.append(PowerItem.objects.create(
                village_code="", code=matter.code, title=matter.title, category=matter.category,
                basis=matter.basis, responsible=matter.responsible, steps=list(matter.steps),
                order=(position + 1) * 10,
            ))
        if created:
            record("portal.power.seed", object_type="portal.poweritem",
                   detail={"created": [item.code for item in created]})
    return len(created)


# -- edits ------------------------------------------------------------------------------------------


def _next_code(village_code: str) -> str:
    """B01, B02, ... for the county's own additions to the basic list; Z01, ... for a village's."""
    prefix = "Z" if village_code else "B"
    taken = set(PowerItem.objects.filter(village_code=village_code, code__startswith=prefix)
                .values_list("code", flat=True))
    number = 1
    while f"{prefix}{number:02d}" in taken:
        number += 1
    return f"{prefix}{number:02d}"


def do_create_item(user: User | None, *, village_code: str, title: str, category: str, basis: str,
                   responsible: str, steps: list[str]) -> PowerItem:
    """A new matter: the county's (`village_code` "") or a village's own addition."""
    if village_code and not (len(village_code) == 12 and village_code.isdigit()):
        raise PowerInvalid("village", f"村代码须为 12 位数字：{village_code[:20]}",
                           f"a village code has 12 digits: {village_code[:20]}")
    policy.require_unless_system(user, "power.edit", village_code)
    fields = validate(title=title, category=category, basis=basis, responsible=responsible, steps=steps)
    with transaction.atomic():
        last = PowerItem.objects.filter(village_code=village_code).aggregate(m=Max("order"))["m"] or 0
        item = PowerItem.objects.create(village_code=village_code, code=_next_code(village_code),
                                        order=last + 10, updated_by=user, **fields)
        record("portal.power.create", actor=user, obj=item,
               detail={"village": village_code, "code": item.code, "after": _state(item)})
    return item


def do_update_item(user: User | None, item: PowerItem, *, title: str, category: str, basis: str,
                   responsible: str, steps: list[str]) -> PowerItem:
    """Change a matter's text; the trail keeps what each changed field was and became."""
    policy.require_unless_system(user, "power.edit", item)
    fields = validate(title=title, category=category, basis=basis, responsible=responsible, steps=steps)
    with transaction.atomic():
        item = PowerItem.objects.select_for_update().get(pk=item.pk)
        before = _state(item)
        for name, value in fields.items():
            setattr(item, name, value)
        after = _state(item)
        changed = [name for name in FIELDS if before[name] != after[name]]
        if changed:
            item.updated_by = user
            item.save(update_fields=[*changed, "updated_by", "updated_at"])
            record("portal.power.edit", actor=user, obj=item, detail={
                "village": item.village_code, "code": item.code,
                "before": {n: before[n] for n in changed}, "after": {n: after[n] for n in changed},
            })
    return item


def do_set_active(user: User | None, item: PowerItem, *, active: bool) -> PowerItem:
    """Retire a matter (it leaves the public list; the row and its history stay) or bring it back."""
    policy.require_unless_system(user, "power.edit", item)
    with transaction.atomic():
        item = PowerItem.objects.select_for_update().get(pk=item.pk)
        if item.active != active:
            item.active = active
            item.updated_by = user
            item.save(update_fields=["active", "updated_by", "updated_at"])
            record("portal.power.activate" if active else "portal.power.deactivate", actor=user, obj=item,
                   detail={"village": item.village_code, "code": item.code,
                           "before": {"active": not active}, "after": {"active": active}})
    return item


# -- reading ----------------------------------------------------------------------------------------


def public_items(village_code: str) -> list[tuple[str, list[PowerItem]]]:
    """What a village's page lists: the county's active matters and the village's own, grouped by
    category in `CATEGORIES` order (the basic list first within a category)."""
    items = PowerItem.objects.filter(active=True, village_code__in=["", village_code])
    return group(sorted(items, key=lambda i: (i.village_code != "", i.order, i.code)))


def group(items: list[PowerItem]) -> list[tuple[str, list[PowerItem]]]:
    groups: dict[str, list[PowerItem]] = {}
    for item in items:
        groups.setdefault(item.category or "其他", []).append(item)
    rank = {name: i for i, name in enumerate(CATEGORIES)}
    return sorted(groups.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


# -- the demo ---------------------------------------------------------------------------------------


DEMO_ADDITION: dict[str, Any] = {
    "title": "村级光伏电站收益分配", "category": "三资管理", "responsible": "村股份经济合作社理事会",
    "basis": "县村级光伏扶贫电站收益分配管理办法：电站收益归村集体所有，优先用于公益岗位和困难群众救助，"
             "分配方案须经民主决策并公开。",
    "steps": ["核算上年度电站收益", "拟定分配方案", "“四议两公开”决策", "报乡镇审核", "公示分配名单和金额",
              "打卡发放", "公开发放结果"],
}


def seed_demo() -> dict[str, Any]:
    """The demo county's list: the basic list, the policy texts from its programmes (run after
    the demo import) and one village's own addition. Idempotent."""
    from mingjing.portal import policies
    from mingjing.portal.public import places

    created = seed_basic_list()
    synced = policies.seed_demo()
    villages = sorted(places())
    added = 0
    if villages:
        village = villages[0]
        if not PowerItem.objects.filter(village_code=village, title=DEMO_ADDITION["title"]).exists():
            do_create_item(None, village_code=village, **DEMO_ADDITION)
            added = 1
    return {"power_basic_created": created, "power_village_added": added, **synced}
