"""DuckDB, the embedded default: a fresh in-memory database per rule, sandboxed."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from engine.backends.base import Backend, DatasetInput


class DuckDBBackend(Backend):
    name = "duckdb"

    def open(self) -> None:
        config: dict[str, str | bool | int | float | list[str]] = {
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "memory_limit": self.settings.memory_limit,
            "threads": self.settings.threads,
        }
        if self.settings.temp_directory is not None:
            config["temp_directory"] = str(self.settings.temp_directory)
        self.con = duckdb.connect(":memory:", config=config)
        self.con.execute("SET enable_progress_bar = false")
        self._paths: list[str] = []

    def create_view(self, alias: str, columns: list[str], source: DatasetInput, schema: pa.Schema) -> None:
        projection = ", ".join(f'"{c}"' for c in columns)
        if isinstance(source, pa.Table):
            self.con.register(f"_{alias}_table", source)
            self.con.execute(f'CREATE VIEW "{alias}" AS SELECT {projection} FROM "_{alias}_table"')
        elif source:
            files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in source)
            self._paths.extend(str(p) for p in source)
            self.con.execute(
                f'CREATE VIEW "{alias}" AS SELECT {projection} FROM read_parquet([{files}], union_by_name = true)'
            )
        else:  # no active batch: an empty view with the dataset's schema
            self.con.register(f"_{alias}_empty", schema.empty_table())
            self.con.execute(f'CREATE VIEW "{alias}" AS SELECT {projection} FROM "_{alias}_empty"')

    def seal(self) -> None:
        """Only the pinned files stay readable; nothing else, and settings are locked."""
        if self._paths:
            quoted = ", ".join("'" + p.replace("'", "''") + "'" for p in self._paths)
            self.con.execute(f"SET allowed_paths = [{quoted}]")
        self.con.execute("SET enable_external_access = false")
        self.con.execute("SET lock_configuration = true")

    def query(self, text: str) -> pa.Table:
        return self.con.sql(text).to_arrow_table()

    def close(self) -> None:
        self.con.close()
