"""Which villages must never see an alert: those where its subject is a cadre, or a cadre's relative.

Read from the current `officials` and `relatives` datasets in the lake with DuckDB.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import pyarrow as pa

from mingjing.datahub.queries import snapshot


def conflict_villages(id_numbers: list[str]) -> dict[str, list[str]]:
    """ID number -> village codes where that person is an official or an official's relative."""
    if not id_numbers:
        return {}
    files = snapshot()
    officials = [str(p) for _, p in files["officials"]]
    if not officials:
        return {}
    relatives = [str(p) for _, p in files["relatives"]]
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        con.register("subjects", pa.table({"id_number": sorted(set(id_numbers))}))
        con.execute(f"CREATE VIEW officials AS SELECT id_number, region_code FROM read_parquet({officials})")
        query = "SELECT s.id_number, o.region_code FROM subjects s JOIN officials o USING (id_number)"
        if relatives:
            con.execute(
                "CREATE VIEW relatives AS SELECT official_id_number, relative_id_number "
                f"FROM read_parquet({relatives})"
            )
            query += (
                " UNION SELECT s.id_number, o.region_code FROM subjects s"
                " JOIN relatives r ON r.relative_id_number = s.id_number"
                " JOIN officials o ON o.id_number = r.official_id_number"
            )
        out: dict[str, list[str]] = defaultdict(list)
        for id_number, region in con.execute(query).fetchall():
            if region not in out[id_number]:
                out[id_number].append(region)
        return dict(out)
    finally:
        con.close()
