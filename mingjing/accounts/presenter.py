"""One presenter for personal data: whoever shows a subject asks here, never decides alone.

Every page, API response, export, notification and webhook shows a hit's or an alert's subject
through `present_subject`, and its evidence through `present_evidence`. Full identifiers are
shown only where the policy allows them (`subject.full` on a detail page, county staff in an
export); everything else gets ID numbers with the first 6 and last 4 characters, account numbers
with the first and last 4, and, for village cadres and group chats, names with the surname only.
Showing full identifiers is recorded in the trail by the caller's action (`do_view_personal_data`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from engine.explain import mask_account, mask_id
from mingjing.accounts import policy
from mingjing.datahub.contract import DATASETS, column_label

Purpose = Literal["page", "list", "export", "message"]

# Columns that hold a person's name (evidence and query output); `program_name` and
# `business_name` name programmes and firms.
_NAME_COLUMN = re.compile(r"(^|_)names?$")
_NOT_PERSON_NAMES = {"program_name", "business_name", "township_name", "village_name", "region_name"}


def mask_name(value: Any) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the surname's first character stays."""
    text = "" if value is None else str(value)
    return text[:1] + "*" * (len(text) - 1) if text else ""


@dataclass(frozen=True)
class Subject:
    full: bool  # identifiers in full (the caller records the view)
    name: str
    id_number: str
    account_no: str
    hit: Any = field(repr=False)
    hide_names: bool = field(repr=False)

    # The texts are masked when read, not when the subject is made: lists never read them, and
    # their rows come without the hit's query output (`values`), which masking them needs.

    @cached_property
    def explanation(self) -> str:
        return self._present(self.hit.explanation)

    @cached_property
    def observed(self) -> str:
        """The value the rule compared with its threshold ("账户名“张三”…")."""
        return self._present(self.hit.observed)

    def _present(self, text: str | None) -> str:
        text = text or ""  # the engine masks ID numbers in explanations; other texts may quote them
        if self.hide_names:
            text = _mask_names_in(text, _people_named(self.hit))
        return text if self.full else mask_ids_in(text)


def exports_in_full(user: Any) -> bool:
    """Whether `user`'s exports carry full identifiers: the county's only."""
    return policy.is_county(user)


def _mode(obj: Any, user: Any, purpose: Purpose) -> tuple[bool, bool]:
    """(full identifiers, masked names) for this user, object and purpose."""
    if purpose == "message" or user is None:
        return False, True  # group chats and mail: nothing that identifies a person
    if purpose == "page":
        full = policy.can(user, "subject.full", obj)
    elif purpose == "export":
        full = exports_in_full(user)
    else:
        full = False
    return full, policy.is_village(user)


def _hit(obj: Any) -> Any:
    return getattr(obj, "hit", obj)


def _is_person_name(column: str) -> bool:
    return bool(_NAME_COLUMN.search(column)) and column not in _NOT_PERSON_NAMES


def _people_named(hit: Any) -> list[str]:
    """Every person's name a hit's texts may quote, longest first. The engine renders the
    explanation and the observed value from the hit's query output (`values`): its subject, and
    whoever else the rule selects (account holders, relatives, officials)."""
    names = {hit.name or ""}
    for column, value in (hit.values or {}).items():
        if _is_person_name(column):
            names |= set(value) if isinstance(value, list) else {value}
    return sorted((str(n) for n in names if n and len(str(n)) > 1), key=len, reverse=True)


def _mask_names_in(text: str, names: list[str]) -> str:
    for name in names:
        text = text.replace(name, mask_name(name))
    return text


def present_message(text: str, obj: Any) -> str:
    """A message about a hit or alert as a group chat may read it: every person it names and
    every ID number it quotes masked."""
    return mask_ids_in(_mask_names_in(text, _people_named(_hit(obj))))


def present_subject(obj: Any, user: Any, purpose: Purpose = "list") -> Subject:
    """The subject of a hit or an alert as `user` may see it for `purpose` (`user=None`: a
    message to a group)."""
    hit = _hit(obj)
    full, hide_names = _mode(obj, user, purpose)
    return Subject(
        full=full,
        name=mask_name(hit.name) if hide_names else hit.name or "",
        id_number=hit.id_number if full else mask_id(hit.id_number),
        account_no=(hit.account_no or "") if full else mask_account(hit.account_no),
        hit=hit,
        hide_names=hide_names,
    )


# An ID number wherever it stands (18 characters, or the old 15 digits), so a column the rule
# names freely (`other_id`, `paid_ids`) or a sentence quoting one is masked all the same.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def mask_ids_in(text: str) -> str:
    return _ID_IN_TEXT.sub(lambda m: mask_id(m.group(1)), text)


def present_value(column: str, value: Any, *, full: bool, hide_names: bool) -> Any:
    """One value of a personal-data row, masked by what its column holds and by its shape."""
    if full or value is None or value == "":
        return value
    if isinstance(value, list):
        return [present_value(column, v, full=full, hide_names=hide_names) for v in value]
    if not isinstance(value, str):
        return value
    if "account" in column and not _is_person_name(column):
        return mask_account(value)
    if "id_number" in column:
        return mask_id(value)
    if hide_names and _is_person_name(column):
        return mask_name(value)
    return mask_ids_in(value)


def present_mapping(values: dict[str, Any] | None, subject: Subject, user: Any) -> dict[str, Any]:
    """A hit's key or query output, masked like its subject."""
    hide_names = subject.name != "" and user is not None and policy.is_village(user)
    return {c: present_value(c, v, full=subject.full, hide_names=hide_names) for c, v in (values or {}).items()}


@dataclass
class EvidenceTable:
    """One source dataset's evidence rows: what the hit page, the alert page and the API show."""

    dataset: str
    title: str
    columns: list[str]
    labels: list[str]  # the columns as the departments' files head them
    rows: list[dict[str, Any]]  # {batch, row, values: {column: value}, cells: [values in column order]}

    @property
    def headers(self) -> list[tuple[str, str]]:
        return list(zip(self.columns, self.labels, strict=True))


def present_evidence(obj: Any, user: Any, subject: Subject) -> list[EvidenceTable]:
    """The hit's source rows grouped by dataset, each with the union of its columns in the rule's
    order, masked like the subject (other people in the rows too: relatives, officials)."""
    hide_names = user is None or policy.is_village(user)
    tables: dict[str, EvidenceTable] = {}
    for item in _hit(obj).evidence or []:
        name = item.get("dataset", "")
        table = tables.get(name)
        if table is None:
            dataset = DATASETS.get(name)
            table = tables[name] = EvidenceTable(name, dataset.title if dataset else name, [], [], [])
        # `columns` keeps the rule's column order, which PostgreSQL's jsonb does not keep in `values`.
        for column in item.get("columns") or item.get("values") or {}:
            if column not in table.columns:
                table.columns.append(column)
                table.labels.append(column_label(name, column))
        values = {c: present_value(c, v, full=subject.full, hide_names=hide_names)
                  for c, v in (item.get("values") or {}).items()}
        table.rows.append({"batch": item.get("batch"), "row": item.get("row"), "values": values})
    for table in tables.values():
        for row in table.rows:
            row["cells"] = [row["values"].get(c) for c in table.columns]
    return list(tables.values())
