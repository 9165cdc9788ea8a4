"""Chinese explanations and observed-value lines, rendered from each rule's templates.

Templates run in Jinja2's sandbox: analysts write them, so they get data and filters, nothing else.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

if TYPE_CHECKING:
    from jinja2 import Template

    from engine.rules import Rule


def mask_id(value: Any) -> str:
    """ID numbers in explanations keep the first 6 and the last 4 characters (后台口径)."""
    text = "" if value is None else str(value)
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_account(value: Any) -> str:
    text = "" if value is None else str(value)
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def yuan(value: Any) -> str:
    if value is None:
        return "0.00"
    return f"{Decimal(str(value)).quantize(Decimal('0.01')):,}"


def period(value: Any) -> str:
    if isinstance(value, dt.date):
        return f"{value.year}-{value.month:02d}"
    return str(value)


def _environment(programs: dict[str, str]) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    env.filters.update(
        mask_id=mask_id,
        mask_account=mask_account,
        yuan=yuan,
        period=period,
        program_name=lambda code: programs.get(code, code),
    )
    return env


def compile_templates(rule: Rule, programs: dict[str, str] | None = None) -> tuple[Template, Template | None]:
    from engine.rules import RuleError

    env = _environment(programs or {})
    try:
        explain = env.from_string(rule.explain_zh)
        observed = env.from_string(rule.observed) if rule.observed else None
    except TemplateError as exc:
        raise RuleError(str(rule.path), f"说明模板错误：{exc}", f"explanation template error: {exc}") from None
    return explain, observed


def render(template: Template, variables: dict[str, Any], rule: Rule) -> str:
    from engine.rules import RuleError

    try:
        return template.render(**variables)
    except TemplateError as exc:
        raise RuleError(
            str(rule.path),
            f"说明模板无法渲染(查询输出中没有所需的列？)：{exc}",
            f"explanation template cannot render (a column missing from the query output?): {exc}",
        ) from None
