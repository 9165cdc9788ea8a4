"""Mingjing's detection engine: declarative problem models over Parquet, on DuckDB or Spark.

Pure Python: this package never imports Django (a test checks it). The application hands it a
snapshot of Parquet files and gets hits back.
"""

from engine.backends.base import EngineSettings
from engine.rules import BUILTIN_MODELS, BUILTIN_RULES_DIR, Rule, RuleError, load_rule, load_rules
from engine.runner import check_rules, run_models
from engine.types import Evidence, Hit, ModelResult, Snapshot

__all__ = [
    "BUILTIN_MODELS",
    "BUILTIN_RULES_DIR",
    "EngineSettings",
    "Evidence",
    "Hit",
    "ModelResult",
    "Rule",
    "RuleError",
    "Snapshot",
    "check_rules",
    "load_rule",
    "load_rules",
    "run_models",
]
