"""The demo county's 监督一点通: complaints, tip-offs and public questions in every state.

Everything is made through the real actions (`complaints.actions`, `complaints.questions`), each
step by the demo account the policy allows to take it (`_Seeder.actor`; the operator, `None`,
where the demo has no account in that organisation), so the timelines, the audit trail, the
notifications and the counts are what a county would see. Only three things are set through the
ORM, each marked where it is done: dates moved into the past (an overdue complaint, a rating
window that has run out, questions published days ago), and a transfer when no transfer target
is configured (`MINGJING_TRANSFER_WEBHOOKS`).

Synthetic throughout: the villagers, their words, the contractor. The cadre one tip-off names is
taken from the demo county's (synthetic) officials register, so that recusal shows.

`seed_complaints` does nothing once any complaint exists. One complaint's tracking code (answered,
waiting for the villager's rating) is kept in the home, since a code is otherwise shown only once,
so that the demo can say how to look one up (`demo_code`, `demo_line`).
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from mingjing.accounts import policy
from mingjing.accounts.models import Membership, Organisation, Role
from mingjing.audit.actions import record
from mingjing.complaints import actions, questions, routing
from mingjing.complaints.models import Complaint, ComplaintEvent, Question

CODE_FILE = "demo-complaint-code.txt"
TRANSFER_BODY = "12345政务服务便民热线"
# Invented names of the contractor three complaints name (the repeat group); the first not found
# in the officials register is used.
CONTRACTORS = ("谢长顺", "邓长顺", "龙长顺")
# Whom a tip-off names, by preference: a cadre handling money.
CADRE_POSITIONS = ("村会计", "村委会主任", "村党支部书记", "民政协理员")
# Who of an organisation acts first when several may (supervisor before bookkeeper, admin before analyst).
ROLE_ORDER = [Role.VILLAGE_SUPERVISOR, Role.TOWNSHIP_OFFICER, Role.DEPARTMENT_OFFICER, Role.COUNTY_ADMIN,
              Role.VILLAGE_SECRETARY, Role.VILLAGE_BOOKKEEPER, Role.VILLAGE_MEMBER, Role.COUNTY_ANALYST]


def demo_code() -> str:
    """The tracking code of the demo complaint to look up, or "" before seeding."""
    path = settings.HOME / CODE_FILE
    return path.read_text(encoding="utf-8").strip() if path.exists() else ""


def demo_line(base_url: str) -> str:
    """The welcome line of `mingjing demo up`: where to file a complaint, and a code to look up."""
    from mingjing.portal.public import places

    code = demo_code()
    complaint = Complaint.objects.filter(reference=code.split("-")[0]).first() if code else None
    village = complaint.village_code if complaint else next(iter(sorted(places())), "")
    if not village:
        return ""
    url = base_url.rstrip("/") + reverse("portal:complaints", args=[village])
    return (f"  投诉举报 file a complaint: {url}"
            + (f"  (演示查询码 a demo tracking code to look up: {code})" if code else "") + "\n")


# -- photos ---------------------------------------------------------------------------------------


def demo_photo(rng: random.Random, scene: str, size: tuple[int, int] = (800, 600)) -> bytes:
    """A small JPEG as a phone would send it, EXIF GPS included (filing strips it): a cracked
    road, a dirty river, or a sheet of paper (a receipt, a notice)."""
    width, height = size
    sky = (150 + rng.randrange(60), 180 + rng.randrange(50), 220 + rng.randrange(30))
    image = Image.new("RGB", size, sky)
    draw = ImageDraw.Draw(image)
    horizon = height * 2 // 5
    if scene == "paper":
        draw.rectangle((0, 0, width, height), fill=(120, 90, 60))  # a table
        draw.rectangle((width // 6, height // 10, width * 5 // 6, height * 9 // 10), fill=(245, 245, 238))
        for y in range(height // 10 + 40, height * 9 // 10 - 20, 28):
            draw.line((width // 6 + 30, y, width // 6 + 30 + rng.randrange(width // 3, width * 5 // 8), y),
                      fill=(70, 70, 80), width=4)
        draw.ellipse((width * 3 // 5, height * 7 // 10, width * 3 // 5 + 90, height * 7 // 10 + 90),
                     outline=(200, 30, 30), width=6)  # a stamp
    elif scene == "water":
        draw.rectangle((0, horizon, width, height), fill=(60, 120, 50))
        draw.polygon([(0, height), (width * 2 // 5, horizon + 10), (width * 3 // 5, horizon + 10), (width, height)],
                     fill=(110, 95, 60))
        for _ in range(30):
            x, y = rng.randrange(width), rng.randrange(horizon + 20, height)
            draw.ellipse((x, y, x + 14, y + 6), fill=(80, 70, 40))
    else:  # a road
        draw.rectangle((0, horizon, width, height), fill=(80, 140, 60))
        draw.polygon([(width // 10, height), (width * 9 // 20, horizon), (width * 11 // 20, horizon),
                      (width * 9 // 10, height)], fill=(150, 150, 145))
        for _ in range(6):  # cracks and holes
            x, y = rng.randrange(width // 4, width * 3 // 4), rng.randrange(horizon + 40, height - 20)
            points = [(x, y)]
            for _ in range(5):
                x, y = x + rng.randrange(-40, 40), y + rng.randrange(5, 30)
                points.append((x, y))
            draw.line(points, fill=(40, 40, 40), width=3)
        x, y = rng.randrange(width // 3, width // 2), rng.randrange(height * 3 // 5, height * 4 // 5)
        draw.ellipse((x, y, x + 120, y + 50), fill=(90, 80, 70))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (26.0, 47.0, 31.0), 3: "E", 4: (113.0, 32.0, 12.0)}  # where it was taken
    exif[0x0110] = "Demo Phone"  # the camera model
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


# -- the seeding ----------------------------------------------------------------------------------


@dataclass
class _Seeder:
    rng: random.Random
    villages: list[str]  # several villages: the demo staff's village and township first
    names: dict[str, str]  # village code -> name
    staff: dict[int, list[User]]  # organisation id -> its accounts, in ROLE_ORDER
    county: Organisation | None
    counts: Counter[str] = field(default_factory=Counter)
    phones: int = 0

    def village(self, i: int) -> str:
        return self.villages[i % len(self.villages)]

    def actor(self, complaint: Complaint, action: str) -> User | None:
        """The first demo account the policy lets take `action` now: of the handler, the level
        above, the accepting commission, the county; else the operator (None)."""
        complaint.refresh_from_db()
        county = self.county.pk if self.county is not None else None
        for org_id in (complaint.handler_id, complaint.escalated_to_id, complaint.triage_id, county):
            for user in self.staff.get(org_id or 0, []):
                if action in policy.complaint_actions(user, complaint):
                    return user
        return None

    def file(self, village: str, text: str, *, channel: str = "complaint", category: str = "",
             people: Sequence[str] = (), photos: Sequence[str] = (), contact: str = "", project: str = "") -> Complaint:
        """A villager files: anonymous unless `contact` (a name) is given, with synthetic photos."""
        if contact:
            self.phones += 1
        filed = actions.do_file_complaint(
            channel=channel, village_code=village, text=text.format(v=self.names[village]), people=list(people),
            project=project, anonymous=not contact, contact_name=contact,
            contact_phone=f"1390000{self.phones:04d}" if contact else "",  # synthetic numbers
            photo_uploads=[demo_photo(self.rng, scene) for scene in photos], category=category,
        )
        self.counts["tipoffs" if channel == Complaint.Channel.TIPOFF else "complaints"] += 1
        self.counts["photos"] += len(photos)
        return filed.complaint

    def handler(self, complaint: Complaint, kind: str) -> Organisation:
        """The handler of `kind` ("village", "township", "county" or a department's name) among
        those the complaint may go to, else the first it may go to."""
        choices = routing.handler_choices(complaint)
        for org in choices:
            if ((kind == "village" and org.kind == Organisation.Kind.VILLAGE)
                    or (kind == "township" and org.kind == Organisation.Kind.TOWNSHIP_COMMISSION)
                    or (kind == "county" and org.kind == Organisation.Kind.COUNTY_COMMISSION)
                    or (org.kind == Organisation.Kind.DEPARTMENT and org.department == kind)):
                return org
        return choices[0]

    def accept(self, complaint: Complaint, category: str, handler: str, note: str = "") -> Complaint:
        return actions.do_accept(complaint=complaint, user=self.actor(complaint, "accept"), category=category,
                                 handler=self.handler(complaint, handler), note=note)

    def answer(self, complaint: Complaint, text: str, public: str = "") -> Complaint:
        return actions.do_answer(complaint=complaint, user=self.actor(complaint, "answer"), answer=text,
                                 public_answer=public)

    def publish(self, complaint: Complaint, public_text: str, public_answer: str) -> Complaint:
        self.counts["published"] += 1
        return actions.do_publish(complaint=complaint, user=self.actor(complaint, "publish"),
                                  public_text=public_text.format(v=self.names[complaint.village_code]),
                                  public_answer=public_answer)

    def transfer(self, complaint: Complaint, reason: str) -> Complaint:
        """Through the action when a transfer target is configured; otherwise (the demo has no
        12345 to post to) the same change and event written directly, marked as the demo's."""
        user = self.actor(complaint, "transfer")
        targets = settings.COMPLAINT_TRANSFER_WEBHOOKS
        if targets:
            return actions.do_transfer(complaint=complaint, user=user, body=next(iter(targets)), reason=reason)
        with transaction.atomic():  # ORM: no webhook configured, nothing to post the transfer to
            Complaint.objects.filter(pk=complaint.pk).update(status=Complaint.Status.TRANSFERRED,
                                                             transfer_body=TRANSFER_BODY, updated_at=timezone.now())
            ComplaintEvent.objects.create(complaint=complaint, actor=user, kind="transferred", note=reason,
                                          public=True, detail={"body": TRANSFER_BODY, "demo": True})
            record("complaint.transferred", actor=user, obj=complaint,
                   detail={"reference": complaint.reference, "body": TRANSFER_BODY, "demo": True})
        complaint.refresh_from_db()
        return complaint

    def ask(self, village: str, text: str, asker: str = "") -> Question:
        self.counts["questions"] += 1
        return questions.do_ask(village_code=village, text=text.format(v=self.names[village]), asker=asker)

    def question_actor(self, question: Question, permission: str) -> User | None:
        for users in self.staff.values():
            for user in users:
                if policy.can(user, permission, question):
                    return user
        return None

    def moderate(self, question: Question, *, publish: bool, reason: str = "") -> Question:
        return questions.do_moderate(question=question, user=self.question_actor(question, "question.moderate"),
                                     publish=publish, reason=reason)

    def answer_question(self, question: Question, answer: str) -> Question:
        return questions.do_answer_question(question=question, user=self.question_actor(question, "question.answer"),
                                            answer=answer)


def _staff() -> dict[int, list[User]]:
    by_org: dict[int, list[Membership]] = {}
    for m in Membership.objects.filter(user__is_active=True, user__is_staff=True).select_related("user").order_by("pk"):
        by_org.setdefault(m.organisation_id, []).append(m)
    rank = {role.value: i for i, role in enumerate(ROLE_ORDER)}
    return {org: [m.user for m in sorted(ms, key=lambda m: rank.get(m.role, 99))] for org, ms in by_org.items()}


def _choose_villages(codes: list[str], township_of: dict[str, str]) -> list[str]:
    """The demo staff's village (or the first of the township officer's, or of the county) first,
    then another of its township, then one of each other township in turn."""
    staffed = list(Membership.objects.filter(role__in=[r.value for r in policy.VILLAGE], user__is_active=True)
                   .values_list("organisation__region_code", flat=True))
    officer_townships = list(Membership.objects.filter(role=Role.TOWNSHIP_OFFICER, user__is_active=True)
                             .values_list("organisation__region_code", flat=True))
    home = next((v for v in staffed if v in township_of), None)
    if home is None:
        home = next((v for v in codes if township_of[v] in officer_townships), codes[0])
    township = township_of[home]
    first = [home] + [v for v in codes if township_of[v] == township and v != home]
    others = [v for v in codes if township_of[v] != township]
    # Round-robin over the other townships, so that "several villages" spans the county.
    by_township: dict[str, list[str]] = {}
    for v in others:
        by_township.setdefault(township_of[v], []).append(v)
    spread: list[str] = []
    while any(by_township.values()):
        for vs in by_township.values():
            if vs:
                spread.append(vs.pop(0))
    return first[:2] + spread + first[2:]


def _cadre(village: str) -> str:
    """A cadre of `village` from the officials register (synthetic in the demo), or "" without one."""
    from mingjing.datahub.queries import read_dataset

    try:
        table = read_dataset("officials", ["name", "region_code", "position"])
    except Exception:  # a register without positions: any official of the village
        table = read_dataset("officials", ["name", "region_code"])
    rows = [r for r in (table.to_pylist() if table is not None else []) if r["region_code"] == village and r["name"]]
    rank = {p: i for i, p in enumerate(CADRE_POSITIONS)}
    rows.sort(key=lambda r: (rank.get(r.get("position") or "", 99), r["name"]))
    return rows[0]["name"] if rows else ""


def _official_names() -> set[str]:
    from mingjing.datahub.queries import read_dataset

    table = read_dataset("officials", ["name"])
    return {r["name"] for r in table.to_pylist()} if table is not None else set()


def _backdate(complaint: Complaint, days: float, **fields: dt.datetime | None) -> None:
    """ORM: move a complaint (and its timeline so far) `days` into the past, and set `fields`."""
    shift = dt.timedelta(days=days)
    Complaint.objects.filter(pk=complaint.pk).update(created_at=complaint.created_at - shift, **fields)
    for event in ComplaintEvent.objects.filter(complaint=complaint):
        ComplaintEvent.objects.filter(pk=event.pk).update(at=event.at - shift)


def seed_complaints(rng_seed: int = 11) -> dict[str, int]:
    """Complaints, tip-offs and questions in every state across several villages of the county;
    nothing when any complaint exists already. Returns what was made, by kind."""
    from mingjing.portal.public import places

    if Complaint.objects.exists():
        return {"skipped": 1}
    found = places()
    if not found:
        return {"skipped": 1}
    codes = sorted(found)
    villages = _choose_villages(codes, {c: found[c].township_code for c in codes})
    seeder = _Seeder(random.Random(rng_seed), villages, {c: p.name for c, p in found.items()}, _staff(),
                     routing.county_commission())
    with transaction.atomic():
        code = _complaints(seeder)
        _questions(seeder)
        swept = actions.do_complaint_sweep()
    seeder.counts.update({"escalated": swept["escalated"], "closed_unrated": swept["closed"]})
    path = settings.HOME / CODE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(code + "\n", encoding="utf-8")
    return dict(seeder.counts)


def _complaints(s: _Seeder) -> str:
    """Every status, tip-offs among them; returns the tracking code to show."""
    v1, v2, v3, v4, v5 = (s.village(i) for i in range(5))
    officials = _official_names()
    contractor = next((n for n in CONTRACTORS if n not in officials), CONTRACTORS[0])
    now = timezone.now()

    # Answered by the village, waiting for the villager's rating: the code the demo shows.
    filed = actions.do_file_complaint(
        channel="complaint", village_code=v1, category="project",
        text=f"{s.names[v1]}三组的通组公路去年才硬化，现在到处开裂，坑坑洼洼，下雨天积水有半尺深。听说合同上写的路面厚度"
             "是18公分，挖开的地方看着连10公分都不到。请查一查施工质量和验收是怎么过的。",
        project="三组通组公路硬化", photo_uploads=[demo_photo(s.rng, "road")],
    )
    s.counts.update(complaints=1, photos=1)
    shown = filed.complaint
    s.accept(shown, "project", "village", "请村务监督委员会会同施工单位现场核查。")
    s.answer(shown, "经村务监督委员会会同镇农业综合服务中心现场核查，三组通组公路有两段路面厚度不足合同要求，已责成施工单位"
                    "在质保期内返修，费用由施工单位承担；返修完成后请群众代表参加验收，结果在村务公开栏公布。",
             "经现场核查，三组通组公路有两段路面厚度不足合同要求，已责成施工单位在质保期内返修，费用由施工单位承担，"
             "返修完成后组织群众代表参加验收。")

    # Submitted: fresh, with a name and phone; and one overdue (the sweep raises it to the county).
    s.file(v4, "我家老人今年八十一岁，高龄津贴从三月份起就没有打到卡上。问村里说是上面没拨下来，问镇里又说早就拨了。"
               "钱到底卡在哪里了？", category="welfare", contact="张桂兰")
    overdue = s.file(v2, "{v}村部旁边的集体鱼塘承包出去好几年了，承包费每年收多少、用在哪里，从来没有公开过。去年换了承包人，"
                         "也没开村民代表大会。", category="assets")
    # ORM: filed three days ago, its one working day to be accepted long gone.
    _backdate(overdue, 3, accept_due=now - dt.timedelta(days=1))

    # Accepted: extended once; with information added and a note; routed to a department.
    forest = s.file(v2, "村里把后山三百多亩集体山林租给外地老板种油茶，租期三十年，每亩一年才十块钱。签合同之前没有开"
                        "村民代表大会，租金也不知道进了哪个账。", category="assets", photos=["paper"])
    s.accept(forest, "assets", "township")
    actions.do_extend(complaint=forest, user=s.actor(forest, "extend"), days=5,
                      reason="需调取山林租赁合同和村民代表大会记录，并请县林业部门协助核实租金标准。")
    dibao = s.file(v3, "今年低保评议，{v}有两户家里开着小车、在城里有门面的也评上了，真正困难的几位老人反而没评上。"
                       "评议会也没通知我们去。请民政部门来查一查。", category="welfare")
    s.accept(dibao, "welfare", "民政局")
    actions.do_add_information(complaint=dibao, text="补充一下：其中一户在县城开了一家建材店，另一户的儿子在村里当组长。")
    actions.do_add_note(complaint=dibao, user=s.actor(dibao, "note"),
                        note="已调取两户的车辆、工商登记信息，待与村里的入户调查记录比对。")

    # Answered by a department.
    disability = s.file(v3, "我是{v}的残疾人，去年的残疾人两项补贴一直没到账，村里说名单早就报上去了，镇里让我找县里。",
                        category="welfare")
    s.accept(disability, "welfare", "民政局")
    s.answer(disability, "经核查，您的残疾人两项补贴因银行卡信息变更后未及时更新，发放失败。现已补录，欠发的补贴将于本月"
                         "20日前一并补发到您的社保卡，请注意查收。")

    # Closed, satisfied, with published answers.
    notice = s.file(v1, "{v}的村务公开栏半年没更新了，去年的财务收支、修水渠的开支一直没公布，问了村干部说“在弄”。",
                    category="openness")
    s.accept(notice, "openness", "village")
    s.answer(notice, "村务公开栏已于本周更新，公布了去年第三、四季度财务收支和修水渠的全部开支明细，今后每季度首月20日前更新。")
    actions.do_rate(complaint=notice, rating="satisfied", comment="已经看到公布了，谢谢。")
    s.publish(notice, "{v}村务公开栏半年未更新，去年财务收支和修水渠开支未公布。",
              "经督促，村务公开栏已更新，公布了去年第三、四季度财务收支和修水渠开支明细，今后按季度按时公开。")
    lights = s.file(v2, "村里新建的文化广场，路灯装了一个多月就坏了一大半，晚上黑漆漆的。这批路灯花了多少钱？质量这么差"
                        "有没有人管？", category="project", photos=["road"])
    s.accept(lights, "project", "township")
    s.answer(lights, "经镇纪委核查，文化广场路灯由镇统一采购，在质保期内，供货单位已于本周全部更换，采购合同和验收资料已在村务"
                     "公开栏公布。")
    actions.do_rate(complaint=lights, rating="satisfied")
    s.publish(lights, "{v}文化广场路灯安装一个多月后大半损坏，询问采购价格和质量问题。",
              "路灯在质保期内，供货单位已全部更换，采购合同和验收资料已在村务公开栏公布。")

    # Closed unrated: answered, the seven days to rate passed (the sweep closes it).
    rent = s.file(v4, "{v}的村集体门面出租了五年，每年的租金收入在账上看不到，村民代表问了几次都没有答复。", category="assets")
    s.accept(rent, "assets", "township")
    s.answer(rent, "经核查，村集体门面租金已全部入村集体账户，因记账科目使用不当未在公开表中单列，现已更正并补充公开。")
    s.publish(rent, "{v}村集体门面租金收入在账上看不到。",
              "门面租金已全部入村集体账户，因记账科目使用不当未单列，现已更正并补充公开。")
    # ORM: answered eight days ago, its seven days to rate over.
    _backdate(rent, 9, answered_at=now - dt.timedelta(days=8), rate_due=now - dt.timedelta(days=1))

    # Reopened: "not resolved", back with its handler.
    ditch = s.file(v1, "村里新修的排水沟，水泥一敲就掉渣，才用了一个雨季就塌了好几段。施工的时候村里也没人监督。",
                   category="project", photos=["water"])
    s.accept(ditch, "project", "village")
    s.answer(ditch, "已通知施工单位对塌陷的三段排水沟进行修补。")
    actions.do_rate(complaint=ditch, rating="not_resolved", comment="只补了表面，没有返工，下雨还是会塌。")

    # Under review: the second answer, waiting for the level above.
    house = s.file(v1, "我家的危房改造去年就验收了，说好的补助一万四，到现在只拿到七千，剩下的问村里，说是扣了“材料费”。",
                   category="welfare", contact="李德明")
    s.accept(house, "welfare", "village")
    s.answer(house, "经了解，余款需待县里第二批资金下达后发放。")
    actions.do_rate(complaint=house, rating="not_resolved", comment="别人家早就发齐了。")
    s.answer(house, "经再次核实，您家的危房改造补助余款七千元系村里代扣的建材款，未经您本人书面同意，代扣不符合规定，"
                    "村里已于本周退还到您的一卡通账户。")

    # Reopened, answered again, the level above approved: the villager reads the second answer.
    wages = s.file(v2, "去年冬天在村里修河堤干了两个多月，工钱到现在还差四千三没结。包工头说村里没给钱，村里说早给了。",
                   category="labour", contact="王志强")
    s.accept(wages, "labour", "township")
    s.answer(wages, "经核查，河堤工程款已全额支付给施工单位，欠薪问题已转告施工单位处理。")
    actions.do_rate(complaint=wages, rating="not_resolved", comment="施工单位还是不给。")
    s.answer(wages, "经镇纪委约谈施工单位负责人，并会同人社部门督办，欠付的四千三百元工钱已于本周结清，请您查收。")
    wages = actions.do_review(complaint=wages, user=s.actor(wages, "review"), approve=True, note="核实属实，同意答复。")

    # Rejected.
    border = s.file(v2, "我家和邻居为了宅基地的边界吵了好几年，请纪委来给我们划一下界。", category="other")
    actions.do_reject(complaint=border, user=s.actor(border, "reject"),
                      reason="宅基地边界纠纷属于民事纠纷，不在纪检监察机关受理范围内。请向镇司法所申请调解，或向自然资源所"
                             "申请确权。")

    # Transferred: one waiting, one whose answer came back.
    pigs = s.file(v3, "{v}旁边的养猪场把粪水直接排到河里，臭得很，河里的鱼都死了，反映给村里好几次都没用。",
                  category="other", photos=["water"])
    s.transfer(pigs, "属生态环境问题，不属于纪检监察机关职责，转12345热线交生态环境部门办理。")
    crossing = s.file(v4, "村小学门口的路口没有红绿灯也没有减速带，大车开得飞快，孩子们上学放学太危险了。", category="other")
    s.transfer(crossing, "属交通安全设施问题，转12345热线交交通运输部门办理。")
    if Complaint.objects.get(pk=crossing.pk).status == Complaint.Status.TRANSFERRED:
        actions.do_record_transfer_answer(complaint=crossing, user=None, handled_by="县交通运输局",
                                          answer="已于本周在村小学门口路口加装减速带和警示标志，上下学时段安排护学岗。")

    # A repeat group: three complaints about the same village's works (same category), naming the
    # same contractor, flagged to the county.
    pipes = s.file(v5, f"村里自来水管网改造是{contractor}包的，管子埋得太浅，去年冬天一冻就裂，全组停水半个月。",
                   category="project", people=[contractor], project="自来水管网改造")
    s.file(v5, f"{contractor}的施工队铺完水管，挖开的路面到现在都没回填，摩托车摔了好几个人。", category="project",
           people=[contractor], photos=["road"])
    s.file(v5, f"{contractor}包的自来水管网工程，验收的时候一个村民代表都没叫，水压到现在还是不够，坡上几户根本没水。",
           category="project", people=[contractor])
    s.accept(pipes, "project", "village")
    # Three complaints about one contractor's works: the township makes it an alert in the loop.
    actions.do_open_alert(complaint=pipes, user=s.actor(pipes, "open_alert"), level="high")
    actions.do_reassign(complaint=pipes, user=s.actor(pipes, "reassign"), handler=s.handler(pipes, "township"),
                        reason="同一施工方被多次反映，且涉及村干部指定施工队，改由镇纪委直接办理。")

    # Tip-offs: one naming a cadre of the village (recusal: the village never sees it); one
    # waiting; one answered and closed.
    cadre = _cadre(v1)
    bribe = s.file(v1, f"{cadre or '村里的会计'}在今年低保评审的时候，向申请的人家每户要两千块钱“辛苦费”，不给钱的就评不上。"
                       "我家亲戚就被要过，敢怒不敢言。", channel="tipoff", category="conduct",
                   people=[cadre] if cadre else [], photos=["paper"])
    s.accept(bribe, "conduct", "township", "涉及村干部，按规定回避，由镇纪委直接核查。")
    s.file(v3, "村里发征地补偿款的时候，村支书让大家先签字后发钱，有好几户签了字到现在都没拿到钱，我们怀疑被截留了。",
           channel="tipoff", category="conduct", photos=["paper"])
    banquet = s.file(v2, "上个月村干部在镇上的酒店办了两桌酒席，说是招待检查组，发票拿回村里报销了。", channel="tipoff",
                     category="conduct")
    s.accept(banquet, "conduct", "township")
    s.answer(banquet, "经核查，反映的接待费用已由相关人员个人退回，镇纪委已对责任人进行批评教育，并在全镇通报。")
    actions.do_rate(complaint=banquet, rating="satisfied")
    return str(filed.code)


def _questions(s: _Seeder) -> None:
    """Questions awaiting moderation, published (fresh, yellow, red), answered and not published."""
    v1, v2, v3, v4 = (s.village(i) for i in range(4))
    answered = s.ask(v1, "今年的一事一议筹资每户收了一百元，打算修哪条路？什么时候开工？", "三组村民")
    s.moderate(answered, publish=True)
    s.answer_question(answered, "今年一事一议筹资共收取四万二千元，加上上级奖补资金，用于三组至五组通组路硬化，预计十月开工。"
                                "预算明细已在村务公开栏第三期公布。")
    fresh = s.ask(v1, "村集体经济合作社去年的分红方案什么时候公布？")
    s.moderate(fresh, publish=True)
    s.ask(v1, "为什么村里的低保名单公示只贴了三天就撕掉了？", "老党员")
    limits = questions.cutoffs(timezone.now())
    late = [
        (v2, "村部新建的文化活动室建好一年了，一直锁着门，什么时候对村民开放？", limits.yellow - dt.timedelta(hours=1)),
        (v2, "村里每户每年收六十元垃圾清运费，垃圾桶却一个月才清一次，这笔钱是怎么用的？", limits.red - dt.timedelta(days=2)),
        (v4, "村里的机耕道去年说要修，钱也到了，为什么到现在还没动工？", limits.red - dt.timedelta(days=5)),
    ]
    for village, text, published in late:
        q = s.moderate(s.ask(village, text), publish=True)
        # ORM: published days ago and still unanswered (yellow, then red).
        Question.objects.filter(pk=q.pk).update(published_at=published, created_at=published - dt.timedelta(hours=3))
    kept_off = s.ask(v2, "某某家的儿子在外面打牌输了钱，村干部管不管？")
    s.moderate(kept_off, publish=False, reason="内容涉及他人私事，不属于公开质询的范围。")
    subsidy = s.ask(v3, "今年的耕地地力保护补贴什么时候发？每亩标准是多少？", "种粮户")
    s.moderate(subsidy, publish=True)
    s.answer_question(subsidy, "按县里今年的文件，耕地地力保护补贴每亩一百零五元，已于六月底前通过一卡通发放到户，"
                               "发放名单在村务公开栏公示。")
    s.ask(v3, "村里的小型水库承包给了谁？承包费是多少？")
