"""Where batches live on disk, and how a finished batch becomes one sorted Parquet file.

    HOME/lake/<dataset>/batch=<id>/data.parquet   immutable once the batch is active
    HOME/originals/<id>/<file name>              the upload as received
    HOME/rejects/<id>.csv                        rows not loaded, with source row and reason
    HOME/staging/<id>/                           work in progress, removed when done

Readers never list the lake: they ask the database which batches are active (`queries.snapshot`)
and read exactly those files, so a half-written batch is never seen.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from mingjing.datahub.reader import BadRow


def batch_dir(dataset: str, batch_id: int) -> Path:
    return settings.LAKE_DIR / dataset / f"batch={batch_id}"


def parquet_path(dataset: str, batch_id: int) -> Path:
    return batch_dir(dataset, batch_id) / "data.parquet"


def rejects_path(batch_id: int) -> Path:
    return settings.REJECTS_DIR / f"{batch_id}.csv"


def original_dir(batch_id: int) -> Path:
    return settings.ORIGINALS_DIR / str(batch_id)


def staging_dir(batch_id: int) -> Path:
    return settings.STAGING_DIR / str(batch_id)


class PartWriter:
    """Unsorted rows staged as one Parquet file; `finish` sorts them into the batch's file.

    Staging is Parquet (lz4) rather than Arrow IPC although IPC is faster to write: DuckDB reads
    Parquet itself within its memory limit, while a pyarrow dataset scan of IPC mapped the whole
    staging file into memory (peak RSS 2.6 GB at 10 million rows against 1.1 GB).
    """

    def __init__(self, directory: Path, schema: pa.Schema):
        self.directory = directory
        self.schema = schema
        directory.mkdir(parents=True, exist_ok=True)
        self.parts = directory / "parts.parquet"
        self._writer = pq.ParquetWriter(self.parts, schema, compression="lz4")
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self._writer.write_table(table, row_group_size=1 << 20)
            self.rows += table.num_rows

    def finish(self, target: Path, sort_keys: tuple[str, ...]) -> None:
        """Sort by the person key with DuckDB (spilling to disk, bounded memory) into `target`."""
        self._writer.close()
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        con = duckdb.connect(
            config={
                "autoinstall_known_extensions": False,
                "autoload_known_extensions": False,
                "memory_limit": settings.DUCKDB_MEMORY_LIMIT,
                "threads": settings.DUCKDB_THREADS,
                "temp_directory": str(self.directory / "duckdb.tmp"),
                "preserve_insertion_order": False,
            }
        )
        try:
            con.execute("SET enable_progress_bar = false")
            order = ", ".join([*(f'"{k}"' for k in sort_keys), '"_row"'])
            con.execute(
                f"COPY (SELECT * FROM read_parquet('{_quote(self.parts)}') ORDER BY {order}) TO '{_quote(tmp)}' "
                "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)"
            )
        finally:
            con.close()
        tmp.replace(target)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


class RejectsWriter:
    """Rejected rows as CSV in UTF-8 with BOM (so Excel opens it): source row, reason, raw values."""

    def __init__(self, path: Path, headers: list[str]):
        self.path = path
        self.headers = headers
        self.count = 0
        self._file: Any = None
        self._csv: Any = None

    def write(self, rows: list[BadRow]) -> None:
        if not rows:
            return
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8-sig", newline="")
            self._csv = csv.writer(self._file)
            self._csv.writerow(["源行号 source_row", "原因 reason", *self.headers])
        for bad in sorted(rows, key=lambda b: b.row):
            self._csv.writerow([bad.row, bad.reason, *bad.values])
            self.count += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()
