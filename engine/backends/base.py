"""The backend-neutral half of running a rule; each engine supplies four small hooks.

`Backend.run_rule` is the template (splink style): open a fresh session for the rule, create one
view per dataset alias, sandbox it, count the examined records, run the compiled query, aggregate
its rows to the rule's grain, then fetch the evidence rows. The hooks are `open`, `create_view`,
`query` (results as Arrow) and `close`.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeAlias, final

import pyarrow as pa

from engine import explain, sql
from engine.rules import Rule
from engine.types import LEVELS, Evidence, Hit, ModelResult

# What a view is built from: the Parquet files of the pinned batches, or an in-memory table (tests).
DatasetInput: TypeAlias = list[Path] | pa.Table
EVIDENCE_LIMIT = 50  # rows per dataset per hit kept as evidence
SUBJECT = ("id_number", "name", "region_code", "program_code", "account_no")


@dataclass(frozen=True)
class EngineSettings:
    memory_limit: str = "4GB"
    threads: int = 2
    temp_directory: Path | None = None
    spark_master: str = "local[2]"


@dataclass(frozen=True)
class Programme:
    name: str
    department: str


class Backend:
    name = "base"

    def __init__(self, settings: EngineSettings | None = None):
        self.settings = settings or EngineSettings()

    # -- hooks -------------------------------------------------------------------------------------

    def open(self) -> None:
        """Start a fresh, isolated session for one rule."""
        raise NotImplementedError

    def create_view(self, alias: str, columns: list[str], source: DatasetInput, schema: pa.Schema) -> None:
        raise NotImplementedError

    def seal(self) -> None:
        """After the views exist: no further access to files or configuration (where supported)."""

    def query(self, text: str) -> pa.Table:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def shutdown(self) -> None:
        """Release what outlives one rule (Spark's session); nothing for an in-process engine."""

    # -- the template ------------------------------------------------------------------------------

    @final
    def run_rule(
        self,
        rule: Rule,
        inputs: dict[str, DatasetInput],
        params: dict[str, Any],
        programmes: dict[str, Programme],
    ) -> ModelResult:
        """Run one rule over `inputs` (source dataset name -> files or table)."""
        from mingjing.datahub.contract import DATASETS, arrow_schema

        started = time.perf_counter()
        compiled = sql.compile_rule(rule, params, self.name)
        self.open()
        try:
            for use in rule.datasets:
                schema = arrow_schema(DATASETS[use.source])
                columns = [*use.columns, *(c for c in ("_batch", "_row") if c not in use.columns)]
                self.create_view(use.alias, columns, inputs.get(use.source, []), schema)
            self.seal()
            examined = int(self.query(f"SELECT count(*) AS n FROM {rule.primary}").column(0)[0].as_py())
            rows = self.query(compiled)
            hits = aggregate(rule, rows, params, programmes)
            if rule.evidence and hits:
                self._attach_evidence(rule, hits)
        finally:
            self.close()
        warning = None
        if examined and rows.num_rows > rule.max_hit_share * examined:
            warning = (
                f"命中 {rows.num_rows} 条，超过所检查 {examined} 条记录的 {rule.max_hit_share:.0%}：请检查数据或参数 / "
                f"{rows.num_rows} rows flagged, more than {rule.max_hit_share:.0%} of the {examined} records "
                "examined: check the data or the parameters"
            )
        return ModelResult(rule.code, examined, rows.num_rows, hits, time.perf_counter() - started, params, warning)

    @final
    def _attach_evidence(self, rule: Rule, hits: list[Hit]) -> None:
        """One query per evidence alias: its rows matching the hits' keys (and periods, if it has them)."""
        by_fingerprint = {h.fingerprint: h for h in hits}
        for alias, columns in rule.evidence.items():
            use = rule.dataset(alias)
            with_period = "period" in use.columns
            keys: dict[str, list[Any]] = {"_fp": [], **{c: [] for c in columns}}
            if with_period:
                keys["period"] = []
            for hit in hits:
                periods = hit.periods if with_period and hit.periods else [None]
                for p in periods:
                    keys["_fp"].append(hit.fingerprint)
                    for c in columns:
                        keys[c].append(hit.key.get(c, hit.values.get(c)))
                    if with_period:
                        keys["period"].append(p)
            table_name = f"_keys_{alias}"
            self.create_view(table_name, list(keys), pa.table(keys), pa.table(keys).schema)
            on = " AND ".join(f"a.{c} = k.{c}" for c in columns)
            if with_period:
                on += " AND (k.period IS NULL OR a.period = k.period)"
            rows = self.query(f"SELECT k._fp AS _fp, a.* FROM {alias} a JOIN {table_name} k ON {on}")
            counts: dict[str, int] = {}
            for row in sorted(rows.to_pylist(), key=lambda r: (r["_fp"], r["_batch"], r["_row"])):
                fp = row.pop("_fp")
                if counts.get(fp, 0) >= EVIDENCE_LIMIT:
                    continue
                counts[fp] = counts.get(fp, 0) + 1
                batch, source_row = row.pop("_batch"), row.pop("_row")
                by_fingerprint[fp].evidence.append(Evidence(use.source, batch, source_row, row))


def fingerprint(rule: Rule, key: dict[str, Any]) -> str:
    """sha256 of the rule id and the grain key: stable across reruns and parameter changes."""
    text = rule.id + "".join(f"|{name}={key[name]}" for name in rule.grain)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def aggregate(rule: Rule, rows: pa.Table, params: dict[str, Any], programmes: dict[str, Programme]) -> list[Hit]:
    """Rows of the query to one hit per grain key (steps: group, order, sum, render)."""
    missing = [c for c in rule.grain if c not in rows.column_names]
    if missing:
        from engine.rules import RuleError

        raise RuleError(
            str(rule.path), f"查询输出缺少粒度列 {', '.join(missing)}",
            f"the query output lacks grain columns {', '.join(missing)}",
        )
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows.to_pylist():
        groups.setdefault(tuple(row[c] for c in rule.grain), []).append(row)
    names = {code: p.name for code, p in programmes.items()}
    explain_template, observed_template = explain.compile_templates(rule, names)
    hits = []
    for key_values, group in sorted(groups.items(), key=lambda kv: tuple(str(v) for v in kv[0])):
        group.sort(key=lambda r: (str(r.get("period")), str(r)))
        latest = dict(group[-1])
        level = max((r["_level"] for r in group), key=LEVELS.index)
        latest.pop("_level")
        key = dict(zip(rule.grain, key_values, strict=True))
        periods = sorted({r["period"] for r in group if r.get("period") is not None})
        amount = sum((Decimal(r["amount"]) for r in group if r.get("amount") is not None), Decimal("0.00"))
        program = latest.get("program_code")
        if rule.department == "program":
            department = programmes[program].department if program in programmes else ""
        else:
            department = rule.department
        variables = {
            **latest, **key, "params": params, "level": level, "amount": amount,
            "periods": [explain.period(p) for p in periods], "period_count": len(periods),
            "first_period": explain.period(periods[0]) if periods else "",
            "last_period": explain.period(periods[-1]) if periods else "",
        }
        hits.append(
            Hit(
                model=rule.code,
                rule_id=rule.id,
                version=rule.version,
                fingerprint=fingerprint(rule, key),
                key=key,
                level=level,
                department=department,
                id_number=latest.get("id_number"),
                name=latest.get("name"),
                region_code=latest.get("region_code"),
                program_code=latest.get("program_code"),
                account_no=latest.get("account_no"),
                periods=periods,
                amount=amount,
                observed=explain.render(observed_template, variables, rule) if observed_template else "",
                explanation=explain.render(explain_template, variables, rule),
                values=latest,
            )
        )
    return hits
