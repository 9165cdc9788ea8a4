"""Engine backends. Heavy ones are imported only when asked for."""

from __future__ import annotations

from engine.backends.base import Backend, EngineSettings


def make_backend(engine: str, settings: EngineSettings | None = None) -> Backend:
    if engine == "duckdb":
        from engine.backends.duckdb import DuckDBBackend

        return DuckDBBackend(settings)
    if engine == "spark":
        from engine.backends.spark import SparkBackend

        return SparkBackend(settings)
    raise ValueError(f"未知的引擎 {engine} / unknown engine {engine!r}: use duckdb or spark")
