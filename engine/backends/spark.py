"""Apache Spark, for data that outgrows one machine: the same compiled SQL over the same Parquet files.

pyspark is an optional dependency (`pip install 'mingjing[spark]'`), imported only when a Spark
backend is first opened, so that importing the engine never needs it (ibis style).

One SparkSession (and so one JVM and one SparkContext) serves a backend for its whole life: Spark
takes seconds to start, so it is started on the first `open()` and stopped by `shutdown()`, which
`run_models` and `check_rules` call at the end. Each rule still gets a fresh, isolated session
(`newSession()`: its own temporary views and SQL settings over the shared context), the
counterpart of DuckDB's in-memory database per rule.

Differences of SQL dialect are not handled here but in `engine.dialects`; this module only moves
data in (Parquet files or Arrow tables as temporary views) and out (Arrow tables).
"""

from __future__ import annotations

import atexit
import logging
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from engine.backends.base import Backend, DatasetInput, EngineSettings

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

INSTALL_HINT = "pip install 'mingjing[spark]'"
MIN_PYSPARK = (4, 0)  # DataFrame.toArrow and createDataFrame(pyarrow.Table) arrived in Spark 4.0
# Spark's own logging: errors only, from the start (setLogLevel comes after the startup chatter).
LOG4J_CONFIG = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
"""


def _import_pyspark() -> Any:
    """The pyspark module, or an ImportError that says how to install it."""
    try:
        import pyspark  # the package itself first: a cached pyspark.sql must not hide its absence
        from pyspark.sql import SparkSession  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"Spark 后端需要 pyspark，请运行：{INSTALL_HINT} / "
            f"the Spark backend needs pyspark: run {INSTALL_HINT}"
        ) from exc
    version = tuple(int(p) for p in re.findall(r"\d+", pyspark.__version__)[:2])
    if version < MIN_PYSPARK:
        raise ImportError(
            f"Spark 后端需要 pyspark 4 及以上(已安装 {pyspark.__version__})，请运行：{INSTALL_HINT} / "
            f"the Spark backend needs pyspark 4 or later ({pyspark.__version__} is installed): run {INSTALL_HINT}"
        )
    return pyspark


def spark_type(typ: pa.DataType) -> str:
    """The Spark SQL type (DDL spelling) of a contract column's Arrow type."""
    if pa.types.is_decimal(typ):
        return f"decimal({typ.precision},{typ.scale})"
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        return f"array<{spark_type(typ.value_type)}>"
    if pa.types.is_timestamp(typ):
        return "timestamp" if typ.tz else "timestamp_ntz"
    simple = {
        pa.string(): "string", pa.large_string(): "string", pa.bool_(): "boolean", pa.date32(): "date",
        pa.int8(): "tinyint", pa.int16(): "smallint", pa.int32(): "int", pa.int64(): "bigint",
        pa.float32(): "float", pa.float64(): "double", pa.null(): "void",
    }
    if typ in simple:
        return simple[typ]
    raise TypeError(f"Spark 后端不支持 Arrow 类型 {typ} / the Spark backend does not support Arrow type {typ}")


def _process_temp_directory() -> Path:
    """Spark's scratch space when the settings name none: one per process, removed at exit.

    Per process, not per backend, because the JVM keeps using the first one it was given even
    after its SparkContext is stopped and another started.
    """
    global _TEMP
    if _TEMP is None:
        _TEMP = Path(tempfile.mkdtemp(prefix="mingjing-spark-"))
        atexit.register(shutil.rmtree, _TEMP, ignore_errors=True)
    return _TEMP


_TEMP: Path | None = None


def _spark_memory(limit: str) -> str:
    """DuckDB's memory spelling ("4GB", "512MiB") as Spark's mebibytes ("3814m")."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)b?\s*", limit.lower())
    if not match:
        return "4g"
    number, unit, binary = float(match[1]), match[2], match[3]
    power = " kmgt".index(unit or " ")
    size = number * (1024 if binary else 1000) ** power  # bytes
    megabytes = size / 1024**2  # Spark's "m" is a mebibyte
    return f"{max(int(megabytes), 512)}m"


class SparkBackend(Backend):
    name = "spark"

    # Spark allows one SparkContext per process: backends share it, and the last one done stops it
    # (unless it was running before the first of them, started by someone else).
    _lock = threading.Lock()
    _holders = 0
    _started_here = False

    def __init__(self, settings: EngineSettings | None = None, conf: dict[str, str] | None = None):
        """`conf`: further Spark settings, e.g. the test suite's for tiny data (no code generation)."""
        super().__init__(settings)
        self.conf = dict(conf or {})
        self._root: SparkSession | None = None  # the backend's session, held until shutdown
        self._session: SparkSession | None = None  # the current rule's session
        self._views: list[str] = []

    # -- life cycle ---------------------------------------------------------------------------------

    def _start(self) -> SparkSession:
        """Start (or join) the local Spark session; slow, so done once per backend."""
        _import_pyspark()
        from pyspark.sql import SparkSession

        temp = self.settings.temp_directory or _process_temp_directory()
        log_config = temp / "log4j2.properties"
        log_config.write_text(LOG4J_CONFIG, encoding="utf-8")
        master = self.settings.spark_master
        builder = (
            SparkSession.builder.master(master)
            .appName("mingjing")
            .config("spark.driver.memory", _spark_memory(self.settings.memory_limit))
            .config("spark.driver.host", "127.0.0.1")  # no network needed, nor a resolvable hostname
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.local.dir", str(temp / "local"))
            .config("spark.sql.warehouse.dir", str(temp / "warehouse"))  # not ./spark-warehouse
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.log.structuredLogging.enabled", "false")
            .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile={log_config.as_uri()}")
        )
        for key, value in self._session_conf().items():
            builder = builder.config(key, value)
        from pyspark import SparkContext

        already_running = SparkContext._active_spark_context is not None
        try:
            session = builder.getOrCreate()
        except Exception as exc:
            raise RuntimeError(
                f"无法启动 Spark(需要 Java 17 及以上，并检查 JAVA_HOME)：{exc} / "
                f"cannot start Spark (it needs Java 17 or later; check JAVA_HOME): {exc}"
            ) from exc
        session.sparkContext.setLogLevel("ERROR")
        # pyspark logs every failed query with a Java stack trace; the raised exception says enough.
        logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
        with SparkBackend._lock:
            if SparkBackend._holders == 0:
                SparkBackend._started_here = not already_running
            SparkBackend._holders += 1
        return session

    def _session_conf(self) -> dict[str, str]:
        """SQL settings every rule's session gets (set again per session: the context may predate us)."""
        conf = {
            # DuckDB-like semantics: dates without time zones; errors, not silent NULLs or
            # wrap-around, on overflow, malformed casts and impossible dates, as in DuckDB.
            "spark.sql.session.timeZone": "UTC",
            "spark.sql.ansi.enabled": "true",
            "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
            "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
            "spark.sql.runSQLOnFiles": "false",  # no parquet.`/path` tables, even if validation missed one
        }
        if self.settings.spark_master.startswith("local"):
            # Rule data on one machine is small next to Spark's default of 200 shuffle partitions.
            conf["spark.sql.shuffle.partitions"] = str(max(4, 2 * self.settings.threads))
        conf.update(self.conf)
        return conf

    def shutdown(self) -> None:
        """Stop Spark when the last backend using it is done."""
        if self._session is not None:
            self.close()
        if self._root is not None:
            with SparkBackend._lock:
                SparkBackend._holders -= 1
                stop = SparkBackend._holders == 0 and SparkBackend._started_here
            if stop:
                self._root.stop()
            self._root = None

    # -- hooks --------------------------------------------------------------------------------------

    def open(self) -> None:
        if self._root is None:
            self._root = self._start()
        session = self._root.newSession()
        for key, value in self._session_conf().items():
            if session.conf.isModifiable(key):
                session.conf.set(key, value)
        self._session = session
        self._views = []

    def create_view(self, alias: str, columns: list[str], source: DatasetInput, schema: pa.Schema) -> None:
        session = self._require_session()
        from pyspark.sql import functions as F

        df: DataFrame
        if isinstance(source, pa.Table):
            df = session.createDataFrame(source)
        elif source:
            df = session.read.option("mergeSchema", "true").parquet(*(str(p) for p in source))
        else:  # no active batch: an empty view with the dataset's schema, built in the JVM
            df = session.range(0).select(*(
                F.lit(None).cast(spark_type(f.type)).alias(f.name) for f in schema
            ))
        present = set(df.columns)
        projection = []
        for name in columns:
            if name in present:
                projection.append(F.col(f"`{name}`"))
            else:  # a column none of the files has yet (older batches): typed NULLs, as for an empty view
                projection.append(F.lit(None).cast(spark_type(schema.field(name).type)).alias(name))
        df.select(*projection).createOrReplaceTempView(alias)
        self._views.append(alias)

    def query(self, text: str) -> pa.Table:
        return self._require_session().sql(text).toArrow()

    def close(self) -> None:
        if self._session is not None:
            for view in self._views:
                self._session.catalog.dropTempView(view)
        self._views = []
        self._session = None

    def _require_session(self) -> SparkSession:
        if self._session is None:
            raise RuntimeError("Spark 会话未打开 / the Spark session is not open: call open() first")
        return self._session
