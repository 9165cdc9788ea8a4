"""Setting up a county: its organisations from its data, its staff accounts from a sheet.

Every write is checked against the policy first (`user=None` is the command line's operator) and
recorded in the trail with what was there before and after. Nothing here ever deletes an account
or an organisation: alerts, results and the trail point at them.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from mingjing.accounts import policy, staff
from mingjing.accounts.models import ROLE_KIND, Membership, Organisation, Role
from mingjing.accounts.staff import RowProblem, SheetRow
from mingjing.analysis.queries import rules
from mingjing.audit.actions import record
from mingjing.datahub.queries import read_dataset
from mingjing.lib import regions as regions_lib

FIXED_DEPARTMENTS = ("民政局", "财政局", "教育局", "残联", "人社局", "农业农村局")
KINDS = [k.value for k in Organisation.Kind]


# -- organisations --------------------------------------------------------------------------------


@dataclass
class OrgSyncReport:
    created: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    renamed: list[dict[str, str]] = field(default_factory=list)  # {code, old, new}
    # Organisations the data no longer names: kept (alerts and accounts point at them).
    not_in_data: list[dict[str, Any]] = field(default_factory=list)  # {id, kind, name, key, members}
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.renamed or any(self.created.values()))

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _expected_organisations() -> dict[tuple[str, str, str], str]:
    """(kind, region code, department) -> name, for what the county's data names: a commission
    per county and township and an organisation per village (`regions`), and a department per
    department named by the programmes or the problem models."""
    expected: dict[tuple[str, str, str], str] = {}
    table = read_dataset("regions", ["code", "name", "level"])
    for row in table.to_pylist() if table is not None else []:
        code, name = row["code"], row["name"]
        if not code or not name:
            continue
        level = row["level"] or regions_lib.level_of(code)
        if level == "county":
            expected[(Organisation.Kind.COUNTY_COMMISSION, code, "")] = f"{name}纪委监委"
        elif level == "township":
            expected[(Organisation.Kind.TOWNSHIP_COMMISSION, code, "")] = f"{name}纪委"
        elif level == "village":
            expected[(Organisation.Kind.VILLAGE, code, "")] = name
    departments = set(FIXED_DEPARTMENTS)
    programs = read_dataset("programs", ["department"])
    if programs is not None:
        departments |= {d for d in programs.column("department").to_pylist() if d}
    departments |= {r.department for r in rules() if r.department != "program"}
    for name in departments:
        expected[(Organisation.Kind.DEPARTMENT, "", name)] = name
    return expected


def do_sync_organisations(*, user: User | None = None) -> OrgSyncReport:
    """Make the organisations match the imported regions and programmes. Idempotent.

    1. Create what the data names and the database lacks.
    2. Rename a commission or village whose region got a new name (departments are their name).
    3. List, and keep, organisations the data no longer names: never deleted.
    """
    policy.require_unless_system(user, "org.sync")
    report = OrgSyncReport()
    expected = _expected_organisations()
    with transaction.atomic():
        existing = {(o.kind, o.region_code, o.department): o for o in Organisation.objects.select_for_update()}
        for key in sorted(expected):
            kind, code, department = key
            name = expected[key]
            organisation = existing.get(key)
            if organisation is None:
                Organisation.objects.create(kind=kind, region_code=code, department=department, name=name)
                report.created[kind].append(name)
            elif kind != Organisation.Kind.DEPARTMENT and organisation.name != name:
                report.renamed.append({"code": code, "old": organisation.name, "new": name})
                organisation.name = name
                organisation.save(update_fields=["name"])
            else:
                report.unchanged += 1
        for key, organisation in sorted(existing.items()):
            if key not in expected:
                report.not_in_data.append({
                    "id": organisation.pk, "kind": organisation.kind, "name": organisation.name,
                    "key": organisation.region_code or organisation.department,
                    "members": organisation.members.count(),
                })
        record("org.sync", actor=user, object_type="accounts.organisation", detail={
            "created": {k: v for k, v in report.created.items() if v},
            "renamed": report.renamed,
            "not_in_data": [o["id"] for o in report.not_in_data],
        })
    return report


# -- staff accounts -------------------------------------------------------------------------------


@dataclass
class StaffLine:
    """What an import does (or, on a dry run, would do) to one row's account."""

    row: int
    phone: str
    name: str
    organisation: str
    role: str
    email: str
    outcome: str  # "create" | "update" | "unchanged"
    changes: dict[str, list[str]] = field(default_factory=dict)  # field -> [before, after]
    inactive: bool = False  # an existing account that is deactivated (the sheet does not change that)
    password: str = ""  # a new account's one-time password: shown once, never stored in clear

    @property
    def masked_phone(self) -> str:
        return staff.mask_phone(self.phone)

    @property
    def role_name(self) -> str:
        return staff.role_name(self.role)

    @property
    def change_list(self) -> list[tuple[str, str, str]]:
        """(column as the sheet heads it, before, after), roles by their Chinese names."""
        shown = []
        for column, (before, after) in self.changes.items():
            if column == "role":
                before, after = staff.role_name(before) if before else "", staff.role_name(after)
            shown.append((staff.COLUMN_ZH[column], before, after))
        return shown


@dataclass
class StaffReport:
    source: str
    dry_run: bool
    rows: int = 0
    lines: list[StaffLine] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def new_accounts(self) -> list[StaffLine]:
        return [line for line in self.lines if line.password]

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source, "dry_run": self.dry_run, "written": self.written, "rows": self.rows,
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "problems": [asdict(p) for p in self.problems],
            "accounts": [asdict(line) for line in self.lines],
        }


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").lower()


class _Organisations:
    """The county's organisations, found the ways a staff sheet names them: a 12-digit region
    code (county, township or village), a department's name, or an organisation's full name."""

    def __init__(self) -> None:
        self.by_code: dict[str, Organisation] = {}
        self.by_name: dict[str, Organisation] = {}
        self._close: dict[str, list[str]] = {}  # a misspelt name tends to repeat on many rows
        for o in Organisation.objects.all():
            if o.region_code and o.kind != Organisation.Kind.DEPARTMENT:
                self.by_code[o.region_code] = o
            if o.department:
                self.by_name.setdefault(_fold(o.department), o)
            self.by_name.setdefault(_fold(o.name), o)

    def find(self, text: str) -> Organisation | None:
        if text.isdigit():
            return self.by_code.get(text)
        return self.by_name.get(_fold(text))

    def unknown(self, row: SheetRow) -> RowProblem:
        text = row.organisation
        if text.isdigit() and len(text) != 12:
            return RowProblem(row.row, f"组织“{text}”不是 12 位区划代码（有 {len(text)} 位）",
                              f"organisation '{text}' is not a 12-digit region code ({len(text)} digits)")
        folded = _fold(text)
        if folded not in self._close:
            self._close[folded] = difflib.get_close_matches(folded, list(self.by_name), n=3, cutoff=0.5)
        close = self._close[folded]
        hint_zh = f"；是不是：{'、'.join(self.by_name[c].name for c in close)}" if close else ""
        hint_en = f"; did you mean: {', '.join(self.by_name[c].name for c in close)}" if close else ""
        if not self.by_name:
            hint_zh, hint_en = "；系统中还没有任何组织，请先运行 mingjing org sync", "; there are no organisations yet: run `mingjing org sync` first"
        return RowProblem(row.row, f"找不到组织“{text}”（请填 12 位区划代码或部门名称）{hint_zh}",
                          f"no organisation '{text}' (give a 12-digit region code or a department name){hint_en}")


def _snapshot(account: User | None) -> dict[str, Any]:
    """An account's managed fields, for the trail's before/after."""
    if account is None:
        return {}
    membership = getattr(account, "membership", None)
    return {
        "name": account.first_name, "email": account.email, "is_active": account.is_active,
        "organisation": membership.organisation.name if membership else "",
        "organisation_id": membership.organisation_id if membership else None,
        "role": membership.role if membership else "",
    }


def do_import_staff(
    *,
    rows: list[SheetRow],
    user: User | None = None,
    dry_run: bool = False,
    source: str = "",
    broken: list[RowProblem] | None = None,
    password: str | None = None,
) -> StaffReport:
    """Create or update one staff account per row, keyed by phone number (the username).

    All or nothing: every row is judged first, and if any row is wrong nothing is written; the
    report lists every problem with its row number. A dry run judges and reports what would
    happen. New accounts get a one-time password they must change at first sign-in, returned in
    the report once; `password` gives every new account that password instead, not to be changed
    (the demo's accounts only). Existing accounts get their name, e-mail, organisation and role
    updated, never their password or whether they are active.

    1. The policy (`staff.manage`), then each row alone (`staff.check_row`), duplicates within
       the sheet, the organisation, the role against the organisation's kind, the account.
    2. Unless something is wrong or this is a dry run: write, one trail entry per account.
    """
    policy.require_unless_system(user, "staff.manage")
    report = StaffReport(source=source, dry_run=dry_run, rows=len(rows) + len(broken or []))
    report.problems += broken or []
    with transaction.atomic():
        plan = _judge(rows, report, user)
        report.problems.sort(key=lambda p: p.row)
        if not report.ok or dry_run:
            return report
        for row, organisation, role, account in plan:
            _write(row, organisation, role, account, report, user, password)
        record("staff.import", actor=user, object_type="auth.user", detail={
            "source": source, "rows": report.rows, "created": report.created,
            "updated": report.updated, "unchanged": report.unchanged,
        })
        report.written = True
    return report


Plan = list[tuple[SheetRow, Organisation, Role, User | None]]


def _judge(rows: list[SheetRow], report: StaffReport, user: User | None) -> Plan:
    """Every problem of every row into the report; the rows to write with what they resolve to."""
    organisations = _Organisations()
    report.problems += staff.duplicate_phones(rows)
    duplicates = {p.row for p in report.problems}
    phones = [staff.normalise_phone(r.phone) for r in rows]
    accounts = {
        a.username: a
        for a in User.objects.filter(username__in=phones).select_related("membership__organisation")
        .select_for_update(of=("self",))
    }
    plan: Plan = []
    for row, phone in zip(rows, phones, strict=True):
        problems = staff.check_row(row)
        if problems or row.row in duplicates:
            report.problems += problems
            continue
        role = staff.role_named(row.role)
        assert role is not None  # check_row refused unknown roles
        organisation = organisations.find(row.organisation)
        if organisation is None:
            report.problems.append(organisations.unknown(row))
            continue
        if ROLE_KIND[role] != organisation.kind:
            kind = Organisation.Kind(organisation.kind)
            needed = Organisation.Kind(ROLE_KIND[role])
            report.problems.append(RowProblem(
                row.row,
                f"角色“{staff.role_name(role)}”只能用于{staff.in_chinese(needed.label)}，"
                f"而“{organisation.name}”是{staff.in_chinese(kind.label)}",
                f"role '{role.value}' belongs to a {staff.in_english(needed.label)}, "
                f"but '{organisation.name}' is a {staff.in_english(kind.label)}",
            ))
            continue
        account = accounts.get(phone)
        line = StaffLine(row.row, phone, row.name, organisation.name, role.value, row.email, "create")
        if account is not None:
            line.changes = _changes(account, row, organisation, role)
            line.outcome = "update" if line.changes else "unchanged"
            line.inactive = not account.is_active
            if account.is_superuser:
                report.problems.append(RowProblem(
                    row.row, f"手机号 {phone} 是系统管理员账号，不能通过人员名单修改",
                    f"phone {phone} is a superuser account; the staff sheet cannot change it",
                ))
                continue
            if user is not None and account.pk == user.pk and line.changes:
                report.problems.append(RowProblem(
                    row.row, "不能通过人员名单修改自己的账号", "the staff sheet cannot change your own account"
                ))
                continue
        report.lines.append(line)
        plan.append((row, organisation, role, account))
    return plan


def _changes(account: User, row: SheetRow, organisation: Organisation, role: Role) -> dict[str, list[str]]:
    membership = getattr(account, "membership", None)
    now = {
        "name": account.first_name,
        "email": account.email,
        "organisation": membership.organisation.name if membership else "",
        "role": membership.role if membership else "",
    }
    wanted = {"name": row.name, "email": row.email, "organisation": organisation.name, "role": role.value}
    return {k: [now[k], wanted[k]] for k in now if now[k] != wanted[k]}


def _write(
    row: SheetRow, organisation: Organisation, role: Role, account: User | None,
    report: StaffReport, user: User | None, password: str | None,
) -> None:
    line = next(line for line in report.lines if line.row == row.row)
    if account is None:
        one_time = password or staff.one_time_password()
        account = User.objects.create_user(
            username=line.phone, password=one_time, first_name=row.name, email=row.email, is_staff=True
        )
        Membership.objects.create(user=account, organisation=organisation, role=role,
                                  must_change_password=password is None)
        line.password = one_time
        record("staff.created", actor=user, obj=account, detail={"before": {}, "after": _snapshot(account)})
        return
    if line.outcome == "unchanged":
        return
    before = _snapshot(account)
    account.first_name, account.email, account.is_staff = row.name, row.email, True
    account.save(update_fields=["first_name", "email", "is_staff"])
    membership = getattr(account, "membership", None)
    if membership is None:
        Membership.objects.create(user=account, organisation=organisation, role=role)
    else:
        membership.organisation, membership.role = organisation, role
        membership.save(update_fields=["organisation", "role"])
    record("staff.updated", actor=user, obj=account, detail={"before": before, "after": _snapshot(account)})


def do_import_staff_file(
    path: Path, *, user: User | None = None, sheet: str | None = None, dry_run: bool = False, source: str = ""
) -> StaffReport:
    """`do_import_staff` for a sheet on disk. A file-level problem (unreadable, columns missing,
    too many rows) raises `FileProblem` before any row is judged."""
    policy.require_unless_system(user, "staff.manage")
    rows, broken = staff.read_sheet(path, sheet=sheet)
    return do_import_staff(rows=rows, broken=broken, user=user, dry_run=dry_run, source=source or Path(path).name)


def do_set_staff_active(*, account: User, active: bool, user: User | None = None) -> User:
    """Deactivate (or reactivate) an account. Nothing is deleted: its results, alerts and trail
    stay, and it can be reactivated. A deactivated account cannot sign in or use the API."""
    policy.require_unless_system(user, "staff.manage")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=account.pk)
        if locked.is_superuser:
            raise policy.Refused("系统管理员账号不能在这里停用", "a superuser account cannot be deactivated here")
        if user is not None and locked.pk == user.pk and not active:
            raise policy.Refused("不能停用自己的账号", "you cannot deactivate your own account")
        if locked.is_active == active:
            return locked
        before = _snapshot(locked)
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        record("staff.activated" if active else "staff.deactivated", actor=user, obj=locked,
               detail={"before": before, "after": _snapshot(locked)})
    return locked
