"""Problem models as data: loading and validating rule YAML files (`rule-format.md`).

A rule file is checked against a JSON Schema (unknown keys are errors), then for what a schema
cannot say: parameter defaults inside their ranges, the grain and level expressions naming output
columns, the query passing `engine.sql.validate`, the explanation template compiling.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from engine.types import LEVELS

BUILTIN_RULES_DIR = Path(__file__).parent / "rules"
# The built-in models' codes, from the file names (one file per model): never a count written down.
BUILTIN_MODELS = tuple(sorted(p.stem for p in BUILTIN_RULES_DIR.glob("*.yaml")))
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's safe loader: 25x faster

_NAME = {"type": "string", "pattern": "^[a-z_][a-z0-9_]*$"}
PARAMETER_TYPES = ("integer", "decimal", "boolean", "string", "string_list")

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "code", "version", "title", "status", "level", "description", "route",
                 "datasets", "query", "grain", "explain"],
    "properties": {
        "id": {"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"},
        "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]{1,31}$"},
        "version": {"type": "integer", "minimum": 1},
        "title": {"type": "string", "minLength": 1},
        "status": {"enum": ["experimental", "test", "stable", "deprecated"]},
        "level": {"enum": list(LEVELS)},
        "description": {"type": "string"},
        "basis": {"type": "string"},
        "falsepositives": {"type": "array", "items": {"type": "string"}},
        "route": {
            "type": "object",
            "additionalProperties": False,
            "required": ["department"],
            "properties": {"department": {"type": "string", "minLength": 1}},
        },
        "datasets": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": _NAME,
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["source", "columns"],
                "properties": {
                    "source": {"type": "string"},
                    "columns": {"type": "array", "minItems": 1, "items": _NAME, "uniqueItems": True},
                },
            },
        },
        "primary": _NAME,
        "parameters": {
            "type": "object",
            "propertyNames": _NAME,
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["type", "default", "label"],
                "properties": {
                    "type": {"enum": list(PARAMETER_TYPES)},
                    "default": {},
                    "min": {"type": "number"},
                    "max": {"type": "number"},
                    "label": {"type": "string"},
                },
            },
        },
        "query": {"type": "string", "minLength": 1},
        "query_overrides": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"spark": {"type": "string"}, "duckdb": {"type": "string"}},
        },
        "grain": {"type": "array", "minItems": 1, "items": _NAME, "uniqueItems": True},
        "level_when": {
            "type": "object",
            "additionalProperties": False,
            "properties": {lvl: {"type": "string"} for lvl in LEVELS},
        },
        "observed": {"type": "string"},
        "explain": {
            "type": "object",
            "additionalProperties": False,
            "required": ["zh"],
            "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
        },
        "evidence": {
            "type": "object",
            "propertyNames": _NAME,
            "additionalProperties": {"type": "array", "minItems": 1, "items": _NAME},
        },
        "max_hit_share": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "data", "expect"],
                "properties": {
                    "name": {"type": "string"},
                    "parameters": {"type": "object"},
                    "data": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "object"}}},
                    "expect": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    },
}


class RuleError(ValueError):
    """A rule file that cannot be used, with the file and what is wrong in Chinese and English."""

    def __init__(self, where: str, zh: str, en: str):
        super().__init__(f"{where}: {zh} / {en}")
        self.where = where
        self.zh = zh
        self.en = en


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any
    label: str
    min: float | None = None
    max: float | None = None

    def coerce(self, value: Any, where: str) -> Any:
        """A parameter value as its declared type, within its range; raise RuleError otherwise."""
        try:
            if self.type == "integer":
                if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                    raise ValueError(value)
                coerced: Any = int(str(value).strip()) if isinstance(value, str) else int(value)
            elif self.type == "decimal":
                coerced = Decimal(str(value).strip())
            elif self.type == "boolean":
                if isinstance(value, bool):
                    coerced = value
                elif str(value).strip().lower() in ("true", "1", "yes", "是"):
                    coerced = True
                elif str(value).strip().lower() in ("false", "0", "no", "否"):
                    coerced = False
                else:
                    raise ValueError(value)
            elif self.type == "string":
                coerced = str(value)
            else:  # string_list
                items = value if isinstance(value, list) else str(value).replace("、", ",").split(",")
                coerced = [str(i).strip() for i in items if str(i).strip()]
        except (ValueError, ArithmeticError):
            raise RuleError(
                where,
                f"参数 {self.name} 的值“{value}”不是{self.type}类型",
                f"parameter {self.name}: '{value}' is not of type {self.type}",
            ) from None
        if (self.min is not None and coerced < self.min) or (self.max is not None and coerced > self.max):
            raise RuleError(
                where,
                f"参数 {self.name} 的值 {value} 超出范围 [{self.min}, {self.max}]",
                f"parameter {self.name}: {value} is outside [{self.min}, {self.max}]",
            )
        return coerced


@dataclass(frozen=True)
class DatasetUse:
    alias: str
    source: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class RuleTest:
    name: str
    data: dict[str, list[dict[str, Any]]]
    expect: list[dict[str, Any]]
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    path: Path
    id: str
    code: str
    version: int
    title: str
    status: str
    level: str
    description: str
    basis: str
    falsepositives: tuple[str, ...]
    department: str  # "program" = the programme's department
    datasets: tuple[DatasetUse, ...]
    primary: str  # alias whose records count as examined
    parameters: dict[str, Parameter]
    query: str
    query_overrides: dict[str, str]
    grain: tuple[str, ...]
    level_when: dict[str, str]
    observed: str
    explain_zh: str
    evidence: dict[str, tuple[str, ...]]
    max_hit_share: float
    tests: tuple[RuleTest, ...]

    def effective_parameters(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Defaults with overrides applied, each coerced to its type; unknown names are errors."""
        where = f"{self.code}"
        values = {name: p.coerce(p.default, where) for name, p in self.parameters.items()}
        for name, value in (overrides or {}).items():
            if name not in self.parameters:
                known = ", ".join(self.parameters) or "(none)"
                raise RuleError(
                    where, f"模型 {self.code} 没有参数 {name}(可用：{known})",
                    f"model {self.code} has no parameter {name} (known: {known})",
                )
            values[name] = self.parameters[name].coerce(value, where)
        return values

    def dataset(self, alias: str) -> DatasetUse:
        return next(d for d in self.datasets if d.alias == alias)


def load_rule(path: Path) -> Rule:
    """Read, schema-check and semantically check one rule file."""
    where = str(path)
    try:
        raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_SafeLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise RuleError(where, f"无法读取规则文件：{exc}", f"cannot read the rule file: {exc}") from exc
    for section in ("datasets", "parameters", "evidence"):
        odd = [k for k in (raw.get(section) or {}) if not isinstance(k, str)] if isinstance(raw, dict) else []
        if odd:
            raise RuleError(
                where,
                f"{section} 中的名称 {odd} 被 YAML 读成了非字符串(如 off/on/yes/no)，请换一个名称",
                f"names {odd} in {section} were read by YAML as non-strings (off/on/yes/no are booleans): rename them",
            )
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(raw), key=lambda e: list(e.absolute_path))
    if errors:
        details = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors)
        raise RuleError(where, f"规则格式错误：{details}", f"rule does not match the schema: {details}")
    parameters = {
        name: Parameter(name, spec["type"], spec["default"], spec["label"], spec.get("min"), spec.get("max"))
        for name, spec in (raw.get("parameters") or {}).items()
    }
    datasets = tuple(
        DatasetUse(alias, spec["source"], tuple(spec["columns"])) for alias, spec in raw["datasets"].items()
    )
    rule = Rule(
        path=Path(path),
        id=raw["id"],
        code=raw["code"],
        version=raw["version"],
        title=raw["title"],
        status=raw["status"],
        level=raw["level"],
        description=raw["description"].strip(),
        basis=raw.get("basis", ""),
        falsepositives=tuple(raw.get("falsepositives", [])),
        department=raw["route"]["department"],
        datasets=datasets,
        primary=raw.get("primary", datasets[0].alias),
        parameters=parameters,
        query=raw["query"],
        query_overrides=raw.get("query_overrides", {}),
        grain=tuple(raw["grain"]),
        level_when=raw.get("level_when", {}),
        observed=raw.get("observed", ""),
        explain_zh=raw["explain"]["zh"],
        evidence={alias: tuple(cols) for alias, cols in (raw.get("evidence") or {}).items()},
        max_hit_share=raw.get("max_hit_share", 0.05),
        tests=tuple(
            RuleTest(t["name"], t["data"], t["expect"], t.get("parameters", {})) for t in raw.get("tests", [])
        ),
    )
    _check(rule, where)
    return rule


def _check(rule: Rule, where: str) -> None:
    from engine import explain, sql
    from mingjing.datahub.contract import DATASETS

    rule.effective_parameters()  # defaults inside their ranges
    aliases = {d.alias for d in rule.datasets}
    for use in rule.datasets:
        if use.source not in DATASETS:
            raise RuleError(where, f"未知的数据集 {use.source}", f"unknown dataset {use.source}")
        known = set(_stored_columns(use.source))
        unknown = [c for c in use.columns if c not in known]
        if unknown:
            raise RuleError(
                where, f"数据集 {use.source} 没有列 {', '.join(unknown)}",
                f"dataset {use.source} has no columns {', '.join(unknown)}",
            )
    if rule.primary not in aliases:
        raise RuleError(where, f"primary {rule.primary} 不是已声明的别名", f"primary {rule.primary} is not a declared alias")
    for alias, columns in rule.evidence.items():
        if alias not in aliases:
            raise RuleError(where, f"evidence 中的 {alias} 不是已声明的别名", f"evidence alias {alias} is not declared")
        missing = [c for c in columns if c not in rule.dataset(alias).columns]
        if missing:
            raise RuleError(
                where, f"evidence {alias} 的列 {', '.join(missing)} 未在 datasets 中声明",
                f"evidence {alias}: columns {', '.join(missing)} are not declared in datasets",
            )
    sql.compile_rule(rule, rule.effective_parameters(), "duckdb")  # validates query and level_when
    explain.compile_templates(rule)
    if rule.status in ("test", "stable"):
        hits = any(t.expect for t in rule.tests)
        misses = any(not t.expect for t in rule.tests)
        if not (hits and misses):
            raise RuleError(
                where, "状态为 test/stable 的规则至少需要一个命中测试和一个不命中测试",
                "a rule with status test or stable needs at least one test that hits and one that does not",
            )


def _stored_columns(source: str) -> list[str]:
    from mingjing.datahub.contract import DATASETS, arrow_schema

    return [f.name for f in arrow_schema(DATASETS[source])]


def load_rules(directory: Path = BUILTIN_RULES_DIR) -> list[Rule]:
    """Every rule file of a directory, sorted by code; ids and codes must be unique."""
    rules = [load_rule(p) for p in sorted(Path(directory).glob("*.yaml"))]
    seen: dict[str, Path] = {}
    for rule in rules:
        for key in (rule.id, rule.code):
            if key in seen:
                raise RuleError(
                    str(rule.path), f"{key} 与 {seen[key].name} 重复", f"{key} duplicates {seen[key].name}"
                )
            seen[key] = rule.path
    return sorted(rules, key=lambda r: r.code)


def parse_test_value(value: Any) -> Any:
    """YAML test data: dates may be written `2024-03-15` or a month `2024-03`."""
    if isinstance(value, str) and len(value) == 7 and value[4] == "-" and value[:4].isdigit():
        return dt.date(int(value[:4]), int(value[5:7]), 1)
    return value
