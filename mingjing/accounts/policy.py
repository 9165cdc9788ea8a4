"""Who may see and do what: the one place that decides it, for every kind of object.

Two questions, answered here and nowhere else:

1. **May this user do this?** `can(user, "batch.retract", batch)` first checks the role against
   `PERMISSIONS` (roles as data: `docs/access.md` is generated from that table), then the object
   against the permission's scope (the batch's owning department, the alert's jurisdiction, ...).
   `require(...)` is the same question raising `Refused` with a bilingual reason.
2. **Which objects may this user see?** One queryset per kind: `batches_for`, `runs_for`,
   `hits_for`, `alerts_for`, `talks_for`, `audit_for`, `tokens_for`, `staff_for`. Views start
   from these and fetch single objects through `console/access.py`, which answers 404 for
   anything outside them.

The command line runs as the instance's operator (shell access to the server is more than any
role), so actions called with `user=None` are the system's own and skip the role check; they are
still recorded in the trail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from mingjing.accounts.models import Organisation, Role
from mingjing.lib import regions

AnyUser = User | AbstractBaseUser | AnonymousUser

COUNTY = frozenset({Role.COUNTY_ADMIN, Role.COUNTY_ANALYST})
VILLAGE = frozenset({Role.VILLAGE_BOOKKEEPER, Role.VILLAGE_SECRETARY, Role.VILLAGE_SUPERVISOR, Role.VILLAGE_MEMBER})
ALL = frozenset(Role)
ABOVE_VILLAGE = ALL - VILLAGE
DATA_OWNERS = COUNTY | {Role.DEPARTMENT_OFFICER}  # deliver department data


class Refused(PermissionDenied):
    """A refusal with its reason in Chinese and English (the UI shows one, the CLI both)."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


@dataclass(frozen=True)
class Grant:
    """Who holds a permission (`roles`), and on which objects (`scope`, in words for the docs)."""

    roles: frozenset[Role]
    scope: str
    zh: str  # what the permission allows, for refusals and the docs


# The table. A new kind of object adds its rows here, a `*_for` queryset below if it is listed,
# and a scope function if its rows are narrower than "every object of the kind".
PERMISSIONS: dict[str, Grant] = {
    # data hub
    "batch.view": Grant(ALL, "summaries of every batch (counts, status; no rows)", "查看数据批次概况"),
    "batch.upload": Grant(DATA_OWNERS, "for their own organisation", "上传数据"),
    "batch.retract": Grant(DATA_OWNERS, "county: any batch; department: batches it delivered", "撤回数据批次"),
    "batch.rejects": Grant(DATA_OWNERS, "county: any batch; department: batches it delivered",
                           "下载拒收行(含完整身份证号、账号)"),
    "batch.original": Grant(DATA_OWNERS, "county: any batch; department: batches it delivered", "下载原始文件"),
    # detection
    "model.view": Grant(ABOVE_VILLAGE, "every model", "查看问题模型"),
    "model.configure": Grant(COUNTY, "every model", "修改模型开关和参数"),
    "run.view": Grant(ABOVE_VILLAGE, "every run", "查看检测运行"),
    "run.start": Grant(COUNTY, "every model", "启动检测运行"),
    "hit.view": Grant(ALL, "county: all; others: hits whose alert is in their jurisdiction", "查看疑点"),
    "subject.full": Grant(ABOVE_VILLAGE, "on detail pages of hits and alerts they may see (each view recorded)",
                          "查看完整身份证号、账号和姓名"),
    # the alert loop
    "alert.view": Grant(ALL, "county: all; township: its township; department: routed to it; village: its own "
                        "village, never about its cadres or their relatives", "查看预警"),
    "alert.handle": Grant(ABOVE_VILLAGE, "alerts routed to their organisation (county: all): sign for, submit a "
                          "result, request dismissal, record rectification", "办理预警"),
    "alert.review": Grant(COUNTY | {Role.TOWNSHIP_OFFICER}, "county: any result; township: a department's "
                          "result in its township; never one's own", "审核核查结果"),
    "alert.reassign": Grant(COUNTY, "open alerts", "改派预警"),
    "alert.export": Grant(ALL, "the alerts they see; identifiers masked unless `subject.full` (county)",
                          "导出预警清单"),
    "talk.view": Grant(COUNTY | {Role.TOWNSHIP_OFFICER}, "county: all; township: its villages", "查看约谈任务"),
    "cockpit.view": Grant(ALL, "their jurisdiction", "查看驾驶舱"),
    "deadlines.configure": Grant(frozenset({Role.COUNTY_ADMIN}), "the county", "修改办理时限"),
    # administration
    "audit.view": Grant(COUNTY, "the whole trail", "查看审计日志"),
    "staff.manage": Grant(frozenset({Role.COUNTY_ADMIN}), "every account of the county", "管理人员账号"),
    "org.sync": Grant(frozenset({Role.COUNTY_ADMIN}), "the county's organisations", "同步组织机构"),
    "token.own": Grant(ALL, "their own API tokens", "管理自己的接口令牌"),
    "token.manage": Grant(frozenset({Role.COUNTY_ADMIN}), "every API token", "管理所有接口令牌"),
    # the villager portal: what villages publish (anyone reads it published, without signing in)
    "disclosure.view": Grant(COUNTY | {Role.TOWNSHIP_OFFICER} | VILLAGE, "drafts and history: county all; "
                             "township its villages; village its own", "查看公开事项(含草稿)"),
    "disclosure.write": Grant(VILLAGE, "their own village: draft, submit, correct", "起草和更正公开事项"),
    "disclosure.approve": Grant(frozenset({Role.VILLAGE_SUPERVISOR}), "their own village; never an item "
                                "they drafted", "审核公开事项(村务监督委员会)"),
    "disclosure.import": Grant(COUNTY | {Role.TOWNSHIP_OFFICER}, "county: any village; township: its "
                               "villages (items arrive awaiting the village's approval)", "批量导入公开事项"),
    "disclosure.categories": Grant(frozenset({Role.COUNTY_ADMIN}), "the county's categories and deadlines",
                                   "管理公开目录和时限"),
    "policy.edit": Grant(COUNTY, "every programme's public policy text", "编辑惠民政策清单"),
    "power.edit": Grant(COUNTY | VILLAGE, "county: the basic list; village: its own additions",
                        "编辑小微权力清单"),
    "outbox.view": Grant(COUNTY | {Role.TOWNSHIP_OFFICER}, "county: all; township: its villages' "
                         "subscribers (numbers masked)", "查看订阅消息发件箱"),
    "outbox.resend": Grant(COUNTY, "failed messages", "重发发送失败的订阅消息"),
    "poster.print": Grant(COUNTY | {Role.TOWNSHIP_OFFICER} | VILLAGE, "county: any township; township: its "
                          "own; village: its own village", "打印二维码海报和户廉码"),
    # 监督一点通: complaints (public matters) and tip-offs (a person's conduct) from villagers
    "complaint.view": Grant(ALL, "complaints: county all, township its township and what is routed to it, "
                            "department and village what is routed to them; tip-offs: only the discipline "
                            "commission they are routed or escalated to; never an organisation a named person "
                            "belongs to (each view of a tip-off recorded)", "查看投诉举报"),
    "complaint.triage": Grant(COUNTY | {Role.TOWNSHIP_OFFICER}, "those it is the accepting or escalated-to "
                              "commission of (county: every complaint): accept, route, reject, transfer, "
                              "reassign, publish, open an alert (complaints only: a tip-off is never "
                              "transferred, published or made an alert)", "受理、分办、转办投诉举报"),
    "complaint.handle": Grant(ALL - {Role.COUNTY_ANALYST}, "those routed to their organisation: answer, "
                              "extend once", "办理投诉并答复"),
    "complaint.review": Grant(COUNTY | {Role.TOWNSHIP_OFFICER}, "second answers after a reopening, by the "
                              "level above the handler; never one's own", "复核重办答复"),
    "complaint.contact": Grant(COUNTY | {Role.TOWNSHIP_OFFICER}, "the complainant's name and phone, and a "
                               "tip-off's original photos, on complaints they see (each view recorded)",
                               "查看投诉人信息和举报原件"),
    "complaint.export": Grant(COUNTY | {Role.TOWNSHIP_OFFICER}, "the complaints they see, without the "
                              "complainant's details", "导出投诉清单"),
    "question.moderate": Grant(COUNTY | {Role.TOWNSHIP_OFFICER}, "county: every village; township: its "
                               "villages", "审核公开质询"),
    "question.answer": Grant(VILLAGE, "questions published to their own village", "答复公开质询"),
}


# -- who the user is ------------------------------------------------------------------------------


def organisation_of(user: AnyUser | None) -> Organisation | None:
    if user is None or not user.is_authenticated:
        return None
    membership = getattr(user, "membership", None)
    return membership.organisation if membership is not None else None


def role_of(user: AnyUser | None) -> Role | None:
    """The user's role, or None for anonymous users, inactive or non-staff accounts and staff
    without a membership. Superusers administer the instance: they act as county administrators."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if getattr(user, "is_superuser", False):
        return Role.COUNTY_ADMIN
    if not getattr(user, "is_staff", False):
        return None
    membership = getattr(user, "membership", None)
    return Role(membership.role) if membership is not None and membership.role else None


def is_county(user: AnyUser | None) -> bool:
    return role_of(user) in COUNTY


def is_village(user: AnyUser | None) -> bool:
    return role_of(user) in VILLAGE


def has(user: AnyUser | None, permission: str) -> bool:
    """The role check alone: may users like this one ever do it (menus, buttons)."""
    role = role_of(user)
    return role is not None and role in PERMISSIONS[permission].roles


def can(user: AnyUser | None, permission: str, obj: Any = None) -> bool:
    """The role check, then the object's scope (when the permission has one and `obj` is given)."""
    if not has(user, permission):
        return False
    scope = SCOPES.get(permission)
    return obj is None or scope is None or scope(user, obj)


def require(user: AnyUser | None, permission: str, obj: Any = None) -> None:
    """`can`, raising `Refused` (a PermissionDenied: 403 in views) with the reason."""
    if not can(user, permission, obj):
        grant = PERMISSIONS[permission]
        raise Refused(f"您没有“{grant.zh}”的权限", f"you may not do '{permission}' here")


def require_unless_system(user: AnyUser | None, permission: str, obj: Any = None) -> None:
    """For actions the command line also calls: `user=None` is the operator (see the module doc)."""
    if user is not None:
        require(user, permission, obj)


# -- scopes: which objects of a kind -------------------------------------------------------------


def _owns_batch(user: AnyUser, batch: Any) -> bool:
    """The county owns every batch; a department the batches it delivered."""
    if is_county(user):
        return True
    org = organisation_of(user)
    return org is not None and batch.organisation_id == org.pk


def _sees_alert(user: AnyUser, alert: Any) -> bool:
    return alerts_for(user).filter(pk=alert.pk).exists()


def _sees_subject(user: AnyUser, obj: Any) -> bool:
    """Full identifiers on the detail page of a hit or alert the user may see."""
    from mingjing.alerts.models import Alert

    if is_county(user):
        return True
    alert = obj if isinstance(obj, Alert) else getattr(obj, "alert", None)
    return alert is not None and _sees_alert(user, alert)


def governs(user: AnyUser | None, region_code: str) -> bool:
    """Whether a village (or township) code is within the user's own area: the county all, a
    township commission its township, a village itself; departments govern no territory."""
    role = role_of(user)
    if role in COUNTY:
        return True
    org = organisation_of(user)
    if org is None or not region_code:
        return False
    if role == Role.TOWNSHIP_OFFICER:
        return regions.within(region_code, org.region_code)
    if role in VILLAGE:
        return region_code == org.region_code
    return False


def _governs_obj(user: AnyUser, obj: Any) -> bool:
    """Objects carrying a `village_code` (disclosures, micro-power items, subscriptions), or a
    region code given as text (posters of a township or village)."""
    code = obj if isinstance(obj, str) else obj.village_code
    if not code:  # the county's own (the basic micro-power list)
        return is_county(user)
    return governs(user, code)


def _approves(user: AnyUser, disclosure: Any) -> bool:
    return _governs_obj(user, disclosure) and disclosure.created_by_id != user.pk


SCOPES: dict[str, Callable[[Any, Any], bool]] = {
    "batch.retract": _owns_batch,
    "batch.rejects": _owns_batch,
    "batch.original": _owns_batch,
    "subject.full": _sees_subject,
    "alert.view": _sees_alert,
    "token.own": lambda user, token: token.user_id == user.pk,
    "disclosure.view": _governs_obj,
    "disclosure.write": _governs_obj,
    "disclosure.approve": _approves,
    "disclosure.import": _governs_obj,
    "power.edit": _governs_obj,
    "outbox.view": _governs_obj,
    "poster.print": _governs_obj,
    "complaint.view": lambda user, complaint: complaints_for(user).filter(pk=complaint.pk).exists(),
    "complaint.contact": lambda user, complaint: complaints_for(user).filter(pk=complaint.pk).exists(),
    "question.moderate": _governs_obj,
    "question.answer": _governs_obj,
}


# -- querysets: what a user may see ---------------------------------------------------------------


def batches_for(user: AnyUser | None) -> QuerySet[Any]:
    from mingjing.datahub.models import Batch

    if not has(user, "batch.view"):
        return Batch.objects.none()
    return Batch.objects.select_related("created_by", "retracted_by", "superseded_by", "organisation").order_by("-id")


def runs_for(user: AnyUser | None) -> QuerySet[Any]:
    from mingjing.analysis.models import Run

    if not has(user, "run.view"):
        return Run.objects.none()
    return Run.objects.select_related("created_by").order_by("-id")


def alerts_for(user: AnyUser | None) -> QuerySet[Any]:
    """Jurisdiction (workflow.md): county all; township its township (and what is routed to it);
    department what is routed to it; village its own village, never an alert about one of its
    cadres or their relatives."""
    from mingjing.alerts.models import Alert

    alerts = Alert.objects.all()
    role = role_of(user)
    if role is None:
        return alerts.none()
    if role in COUNTY:
        return alerts
    org = organisation_of(user)
    if org is None:
        return alerts.none()
    if role == Role.TOWNSHIP_OFFICER:
        return alerts.filter(Q(township_code=org.region_code) | Q(township=org))
    if role == Role.DEPARTMENT_OFFICER:
        return alerts.filter(department=org)
    if role in VILLAGE:
        return alerts.filter(region_code=org.region_code).exclude(conflict_villages__contains=f",{org.region_code},")
    return alerts.none()


def hits_for(user: AnyUser | None) -> QuerySet[Any]:
    """The county sees every hit; everyone else the hits whose alerts they see."""
    from mingjing.analysis.models import Hit

    if not has(user, "hit.view"):
        return Hit.objects.none()
    if is_county(user):
        return Hit.objects.all()
    return Hit.objects.filter(alert__in=alerts_for(user))


def talks_for(user: AnyUser | None) -> QuerySet[Any]:
    from mingjing.alerts.models import Talk

    if not has(user, "talk.view"):
        return Talk.objects.none()
    if is_county(user):
        return Talk.objects.all()
    org = organisation_of(user)
    return Talk.objects.filter(township=org) if org is not None else Talk.objects.none()


def audit_for(user: AnyUser | None) -> QuerySet[Any]:
    from mingjing.audit.models import AuditEntry

    return AuditEntry.objects.all() if has(user, "audit.view") else AuditEntry.objects.none()


def tokens_for(user: AnyUser | None) -> QuerySet[Any]:
    """Administrators see every API token; everyone else their own."""
    from mingjing.api.models import ApiToken

    if has(user, "token.manage"):
        return ApiToken.objects.select_related("user")
    if user is not None and has(user, "token.own"):
        return ApiToken.objects.filter(user_id=int(user.pk or 0)).select_related("user")
    return ApiToken.objects.none()


def staff_for(user: AnyUser | None) -> QuerySet[Any]:
    """The staff accounts a user may manage: every account but the instance's superusers, for
    holders of `staff.manage`."""
    if not has(user, "staff.manage"):
        return User.objects.none()
    return (User.objects.filter(is_superuser=False)
            .select_related("membership__organisation")
            .order_by("membership__organisation__kind", "membership__organisation__region_code",
                      "membership__organisation__name", "username"))


def _governed(user: AnyUser | None, field: str = "village_code") -> Q:
    """`governs` as a condition on a region-code field."""
    role = role_of(user)
    if role in COUNTY:
        return Q()
    org = organisation_of(user)
    if org is None:
        return Q(pk__in=[])
    if role == Role.TOWNSHIP_OFFICER:
        return Q(**{f"{field}__startswith": org.region_code[:9]})
    if role in VILLAGE:
        return Q(**{field: org.region_code})
    return Q(pk__in=[])


def disclosures_for(user: AnyUser | None) -> QuerySet[Any]:
    """Every version and draft of the disclosures of the villages the user governs."""
    from mingjing.portal.models import Disclosure

    if not has(user, "disclosure.view"):
        return Disclosure.objects.none()
    return Disclosure.objects.filter(_governed(user)).select_related("category", "created_by", "approved_by")


def power_items_for(user: AnyUser | None) -> QuerySet[Any]:
    """The county's basic list and the additions of the villages the user governs."""
    from mingjing.portal.models import PowerItem

    if not has(user, "power.edit"):
        return PowerItem.objects.none()
    governed = _governed(user)
    if not governed:  # the county: `Q(...) | Q()` would drop the empty side and keep the basic list only
        return PowerItem.objects.all()
    return PowerItem.objects.filter(Q(village_code="") | governed)


def messages_for(user: AnyUser | None) -> QuerySet[Any]:
    """The outbox: messages to subscribers of the villages the user governs."""
    from mingjing.portal.models import OutboundMessage

    if not has(user, "outbox.view"):
        return OutboundMessage.objects.none()
    return OutboundMessage.objects.filter(_governed(user, "subscription__village_code")).select_related("subscription")


def complaints_for(user: AnyUser | None) -> QuerySet[Any]:
    """Complaints: the county all, a township its township's and what is routed to it, a department
    or village what is routed to it. Tip-offs: only the commission accepting it, handling it or
    escalated to. Never an organisation ruled out by recusal (`Complaint.excluded_orgs`)."""
    from mingjing.complaints.models import Complaint

    role = role_of(user)
    org = organisation_of(user)
    if role is None or org is None:
        return Complaint.objects.none()
    complaints = Complaint.objects.exclude(excluded_orgs__contains=f",{org.pk},")
    assigned = Q(triage=org) | Q(handler=org) | Q(escalated_to=org)
    public_matter = Q(channel=Complaint.Channel.COMPLAINT)
    if role in COUNTY:
        return complaints.filter(public_matter | assigned)
    if role == Role.TOWNSHIP_OFFICER:
        return complaints.filter((public_matter & Q(township_code=org.region_code)) | assigned)
    return complaints.filter(public_matter & Q(handler=org))


def _charge(user: AnyUser | None, complaint: Any) -> tuple[bool, bool]:
    """(triager, handler): whether the user's organisation accepts or escalates this complaint,
    and whether it answers it. The county commission takes charge of any complaint (not tip-offs
    routed elsewhere). Ruled-out organisations take charge of nothing."""
    role = role_of(user)
    org = organisation_of(user)
    if role is None or org is None or f",{org.pk}," in complaint.excluded_orgs:
        return False, False
    county_here = role in COUNTY and not complaint.is_tipoff
    triager = has(user, "complaint.triage") and (
        county_here or org.pk in (complaint.triage_id, complaint.escalated_to_id))
    handler = has(user, "complaint.handle") and (org.pk == complaint.handler_id or county_here)
    return triager, handler


def complaint_actions(user: AnyUser | None, complaint: Any) -> set[str]:
    """What this user may do to this complaint now: the buttons, and the check every complaint
    action makes under its row lock. Second answers are reviewed by the level above the handler
    (a village's or department's by the accepting commission, a commission's by the county),
    never by their author."""
    from mingjing.complaints.models import Complaint

    triager, handler = _charge(user, complaint)
    status = complaint.status
    actions: set[str] = set()
    if triager:
        # A tip-off never leaves the discipline commissions: no transfer to another body.
        transfer = set() if complaint.is_tipoff else {"transfer"}
        if status == Complaint.Status.SUBMITTED:
            actions |= {"accept", "reject"} | transfer
        if status == Complaint.Status.ACCEPTED:
            actions |= {"reassign"} | transfer
        if status == Complaint.Status.TRANSFERRED:
            actions.add("record_transfer_answer")
        if status not in (Complaint.Status.REJECTED, Complaint.Status.TRANSFERRED):
            actions.add("categorise")
            if complaint.alert_id is None and not complaint.is_tipoff:  # alerts are read county-wide
                actions.add("open_alert")
        if (not complaint.is_tipoff and complaint.published_at is None
                and status in (Complaint.Status.ANSWERED, Complaint.Status.CLOSED)):
            actions.add("publish")
    if handler and status == Complaint.Status.ACCEPTED:
        actions.add("answer")
        if not complaint.extended:
            actions.add("extend")
    if triager or handler:
        actions.add("note")
    # Reopening sends the complaint to the level above the handler (`escalated_to`): it reviews.
    org = organisation_of(user)
    if (user is not None and org is not None and status == Complaint.Status.UNDER_REVIEW
            and has(user, "complaint.review") and complaint.answer_by_id != user.pk
            and f",{org.pk}," not in complaint.excluded_orgs
            and (org.pk == complaint.escalated_to_id or (role_of(user) in COUNTY and not complaint.is_tipoff))):
        actions.add("review")
    return actions


def questions_for(user: AnyUser | None) -> QuerySet[Any]:
    """公开质询 of the villages the user governs (moderators) or of their own village (cadres)."""
    from mingjing.complaints.models import Question

    if not (has(user, "question.moderate") or has(user, "question.answer")):
        return Question.objects.none()
    questions = Question.objects.filter(_governed(user))
    if not has(user, "question.moderate"):  # cadres see what the public sees, never the moderation
        questions = questions.filter(status__in=[Question.Status.PUBLISHED, Question.Status.ANSWERED])
    return questions


def jurisdiction_key(user: AnyUser | None) -> str:
    """Users who see the same alerts share a key (for caches): the county, or their organisation
    (everyone of an organisation sees the same alerts, whatever their role there)."""
    if is_county(user):
        return "county"
    org = organisation_of(user)
    return f"org-{org.pk}" if org is not None else f"user-{getattr(user, 'pk', None)}"


# -- the alert loop: what this user may do to this alert now -------------------------------------


def alert_actions(user: AnyUser | None, alert: Any) -> set[str]:
    """The buttons shown, and the check every alert action makes under its row lock.

    A handler is the department or township commission the alert is routed to; the county may
    act on anything. Results and dismissals are reviewed by the level above, never by their
    submitter: a department's by the township commission of the alert's township (or the county),
    a township's by the county. Nothing is done to a closed alert but reading it.

    Each condition below implies the alert is in `alerts_for(user)` (the county sees all, a
    handler what is routed to it, a township reviewer its own township), so no query is needed
    to check that: the task list asks this for every row.
    """
    from mingjing.alerts.models import Alert

    role = role_of(user)
    if user is None or role is None:
        return set()
    org = organisation_of(user)
    county = role in COUNTY
    routed_here = org is not None and org.pk in (alert.department_id, alert.township_id)
    handler = has(user, "alert.handle") and (county or routed_here)
    actions: set[str] = set()
    if has(user, "alert.reassign") and alert.status != Alert.Status.CLOSED:
        actions.add("reassign")
    if handler:
        actions |= {
            Alert.Status.NEW: {"sign"},
            Alert.Status.VERIFYING: {"submit_result", "request_dismissal"},
            Alert.Status.RECTIFYING: {"rectify"},
        }.get(alert.status, set())
    township_above = (
        role == Role.TOWNSHIP_OFFICER
        and alert.result_by_kind == Organisation.Kind.DEPARTMENT
        and org is not None and org.region_code == alert.township_code
    )
    if (alert.status == Alert.Status.UNDER_REVIEW and has(user, "alert.review")
            and alert.result_by_id != user.pk and (county or township_above)):
        actions.add("review")
    return actions


def task_filter(user: AnyUser | None) -> Q:
    """`alert_actions` as one condition over alerts, for the task list: what the user can act on
    now, leaving out reassigning (the county may reassign anything; it is not a task)."""
    from mingjing.alerts.models import Alert

    role = role_of(user)
    org = organisation_of(user)
    can_do = Q(pk__in=[])
    if role is None or not has(user, "alert.handle"):
        return can_do
    handling = Q(status__in=[Alert.Status.NEW, Alert.Status.VERIFYING, Alert.Status.RECTIFYING])
    not_mine = ~Q(result_by=user)
    if org is not None:
        can_do |= handling & (Q(department=org) | Q(township=org))
    if role in COUNTY:
        can_do |= Q(status=Alert.Status.UNDER_REVIEW) & not_mine
        can_do |= handling & Q(supervised=True)
    elif role == Role.TOWNSHIP_OFFICER and org is not None:
        can_do |= Q(status=Alert.Status.UNDER_REVIEW, result_by_kind=Organisation.Kind.DEPARTMENT,
                    township_code=org.region_code) & not_mine
    return can_do


def submitter_kind(user: AnyUser | None) -> str:
    """The organisation kind a result is recorded as coming from (decides who reviews it)."""
    org = organisation_of(user)
    return org.kind if org is not None and not is_county(user) else Organisation.Kind.COUNTY_COMMISSION



# -- the documentation ----------------------------------------------------------------------------


def markdown_table() -> str:
    """`docs/access.md`, generated from `PERMISSIONS` (`mingjing access doc`; a test keeps the
    committed file equal to this). In English whatever the active language: docs are English."""
    from django.utils import translation

    with translation.override("en"):
        return _markdown_table()


def _markdown_table() -> str:
    roles = list(Role)
    lines = [
        "# Access policy",
        "",
        "Generated from `mingjing/accounts/policy.py` by `mingjing access doc > docs/access.md`; do not edit.",
        "✓ = the role holds the permission, within the scope given.",
        "",
        "| permission | " + " | ".join(str(r.label) for r in roles) + " | scope |",
        "|---|" + "---|" * len(roles) + "---|",
    ]
    for name, grant in PERMISSIONS.items():
        marks = " | ".join("✓" if r in grant.roles else "" for r in roles)
        lines.append(f"| `{name}` {grant.zh} | {marks} | {grant.scope} |")
    lines += ["", "Roles (`mingjing.accounts.models.Role`) and the organisation kind each belongs to:", ""]
    from mingjing.accounts.models import ROLE_KIND

    lines += [f"- `{r.value}` ({r.label}): {ROLE_KIND[r]}" for r in roles]
    return "\n".join(lines) + "\n"
