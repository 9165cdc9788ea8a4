"""Spark is optional: without pyspark the engine still imports, and asking for Spark says what to install."""

from __future__ import annotations

import sys

import pytest

from engine.backends import make_backend


def test_opening_spark_without_pyspark_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if not installed, even if imported already
    backend = make_backend("spark")  # choosing the backend needs no pyspark; opening it does
    with pytest.raises(ImportError, match=r"pip install 'mingjing\[spark\]'") as raised:
        backend.open()
    assert "pyspark" in str(raised.value) and "请运行" in str(raised.value)


def test_the_spark_module_imports_without_pyspark(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.delitem(sys.modules, "engine.backends.spark", raising=False)
    from engine.backends.spark import SparkBackend

    assert SparkBackend.name == "spark"
