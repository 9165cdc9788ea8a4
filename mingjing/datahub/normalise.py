"""Typing a chunk of raw text columns into the canonical schema, vectorised.

For every column kind there is a fast path, pyarrow compute over the values already in canonical
shape (the vast majority in practice), and a slow path that runs the scalar parser of
`mingjing.lib.values` once per *distinct* remaining value. Either way a row ends up typed, or
rejected with the reason; nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mingjing.datahub.contract import ARROW_TYPES, Column, Dataset, Kind, arrow_schema
from mingjing.datahub.reader import BadRow, RawChunk
from mingjing.lib import ids, values
from mingjing.lib.values import ValueProblem

Reasons = dict[int, list[str]]
SCALAR_PARSERS: dict[Kind, Callable[[str], values.Parsed]] = {
    Kind.NAME: values.normalise_name,
    Kind.TEXT: values.normalise_text,
    Kind.CODE: values.normalise_code,
    Kind.DATE: values.parse_date,
    Kind.PERIOD: values.parse_period,
    Kind.AMOUNT: values.parse_amount,
    Kind.DECIMAL: values.parse_decimal,
    Kind.INTEGER: values.parse_integer,
    Kind.BOOLEAN: values.parse_boolean,
    Kind.REGION: values.normalise_region_code,
    Kind.REGION_LEVEL: values.parse_region_level,
    Kind.CATEGORY: values.parse_category,
    Kind.GENDER: values.parse_gender,
    Kind.CODE_LIST: values.parse_code_list,
}

# Values matching these are already canonical and take the vectorised path.
CANONICAL: dict[Kind, str] = {
    Kind.NAME: r"^[^\s\x{3000}\x{a0}•・‧･∙⋅●]+$",
    Kind.CODE: r"^[0-9A-Za-z_\-]+$",
    Kind.DATE: r"^\d{4}-\d{2}-\d{2}$",
    Kind.PERIOD: r"^(19|2[01])\d{2}-(0[1-9]|1[0-2])$",  # the years parse_period accepts
    Kind.AMOUNT: r"^-?\d{1,15}(\.\d{1,2})?$",
    Kind.DECIMAL: r"^-?\d{1,15}(\.\d{1,2})?$",
    Kind.REGION: r"^\d{12}$",
}
_ID_CANONICAL = r"^\d{17}[\dX]$"


@dataclass
class Lookups:
    """Current content of other datasets that a file may refer to by name."""

    villages: dict[tuple[str, str], str] = field(default_factory=dict)  # (township, village) -> code
    region_codes: set[str] | None = None  # known codes, to count unknown ones
    programs: dict[str, str] = field(default_factory=dict)  # programme name -> code


@dataclass
class Normalised:
    table: pa.Table  # loaded rows, in the dataset's stored schema
    rejects: list[BadRow]
    notes: Counter[str]


@dataclass
class _Column:
    values: pa.Array
    problems: dict[int, ValueProblem]
    extra: dict[str, pa.Array] = field(default_factory=dict)


def normalise_chunk(
    dataset: Dataset,
    chunk: RawChunk,
    mapping: dict[int, str],
    headers: list[str],
    batch_id: int,
    lookups: Lookups,
) -> Normalised:
    """Type one chunk: every row is returned either in `table` or in `rejects`."""
    n = len(chunk.rows)
    notes: Counter[str] = Counter()
    reasons: Reasons = defaultdict(list)  # row index -> why it is rejected (sparse)
    missing: Reasons = defaultdict(list)
    raw_by_name = {name: chunk.columns[i] for i, name in mapping.items()}
    label = {name: headers[i] for i, name in mapping.items()}
    typed: dict[str, pa.Array] = {}

    for col in dataset.columns:
        raw = raw_by_name.get(col.name)
        if raw is None:
            continue
        trimmed = pc.utf8_trim(raw, values.WHITESPACE)
        empty = pc.equal(trimmed, "").to_numpy(zero_copy_only=False)
        result = _normalise_column(col, trimmed, empty, notes)
        for row, problem in result.problems.items():
            reasons[row].append(f"{label[col.name]}：{problem.zh} / {col.name}: {problem.en}")
        if col.required and not _has_alternative(dataset, col.name, raw_by_name):
            for at in np.flatnonzero(empty):
                missing[int(at)].append(col.name)
        # A register's own birth date / gender column yields to the one the ID number encodes.
        typed[f"_file_{col.name}" if col.name in typed else col.name] = result.values
        typed.update(result.extra)

    _resolve_lookups(dataset, typed, n, reasons, notes, lookups)
    _prefer_id_derived(dataset, typed)

    for row, names in missing.items():
        if names:
            reasons[row].insert(
                0,
                f"缺少必填项：{'、'.join(label[c] for c in names)} / "
                f"required value missing: {', '.join(names)}",
            )
    keep = np.ones(n, dtype=bool)
    keep[[i for i, r in reasons.items() if r]] = False
    rejects = [
        BadRow(int(chunk.rows[i]), "; ".join(reasons[int(i)]), [c[i].as_py() for c in chunk.columns])
        for i in np.flatnonzero(~keep)
    ]
    rejects.extend(chunk.bad)
    schema = arrow_schema(dataset)
    mask = pa.array(keep)
    arrays = []
    for col in dataset.columns:
        if col.default is not None and col.name not in typed:
            typed[col.name] = pa.array([col.default] * n, ARROW_TYPES[col.kind])
    for f in schema:
        if f.name == "_batch":
            arrays.append(pa.array(np.full(int(keep.sum()), batch_id, dtype=np.int64)))
        elif f.name == "_row":
            arrays.append(pa.array(chunk.rows[keep]))
        elif f.name in typed:
            arrays.append(pc.filter(typed[f.name], mask).cast(f.type))
        else:
            arrays.append(pa.nulls(int(keep.sum()), f.type))
    return Normalised(pa.Table.from_arrays(arrays, schema=schema), rejects, notes)


def _has_alternative(dataset: Dataset, name: str, mapped: dict[str, pa.Array]) -> bool:
    alternative = dataset.alternatives.get(name, ())
    return bool(alternative) and all(a in mapped for a in alternative)


def _normalise_column(col: Column, trimmed: pa.Array, empty: np.ndarray, notes: Counter[str]) -> _Column:
    if col.kind is Kind.ID_NUMBER:
        return _normalise_ids(col.name, trimmed, empty, notes)
    if col.kind is Kind.TEXT:
        # Full-width folded like every other kind (NFKC turns U+3000 into a space: trim again).
        folded = pc.utf8_trim(pc.utf8_normalize(trimmed, "NFKC"), values.WHITESPACE)
        return _Column(pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), folded), {})
    pattern = CANONICAL.get(col.kind)
    fast = (
        pc.match_substring_regex(trimmed, pattern).to_numpy(zero_copy_only=False)
        if pattern
        else np.zeros(len(trimmed), dtype=bool)
    )
    out_type = ARROW_TYPES[col.kind]
    fast_values = _fast_convert(col.kind, trimmed, fast, out_type)
    if fast_values is not None:
        # A canonical-looking value that still fails (2021-02-30) goes the slow way.
        fast &= ~pc.is_null(fast_values).to_numpy(zero_copy_only=False)
    else:
        fast_values = pa.nulls(len(trimmed), out_type)
    slow = ~fast & ~empty
    problems: dict[int, ValueProblem] = {}
    if slow.any():
        slow_idx = np.flatnonzero(slow)
        parsed, problems = _parse_distinct(col.kind, pc.take(trimmed, pa.array(slow_idx)), slow_idx, notes)
        if fast.any():
            fast_values = pc.replace_with_mask(fast_values, pa.array(slow), pa.array(parsed, out_type))
        else:  # no fast path (lists have no replace_with_mask kernel): build the column whole
            whole: list[object] = [None] * len(trimmed)
            for position, value in zip(slow_idx, parsed, strict=True):
                whole[position] = value
            fast_values = pa.array(whole, out_type)
    if col.default is not None:
        fast_values = fast_values.fill_null(col.default)
    return _Column(fast_values, problems)


def _fast_convert(kind: Kind, trimmed: pa.Array, fast: np.ndarray, out_type: pa.DataType) -> pa.Array | None:
    if not fast.any():
        return None
    masked = pc.if_else(pa.array(fast), trimmed, pa.scalar(None, pa.string()))
    if kind in (Kind.NAME, Kind.CODE, Kind.REGION):
        return masked
    if kind is Kind.DATE:
        return _strict_date(masked, "%Y-%m-%d")
    if kind is Kind.PERIOD:
        days = pc.binary_join_element_wise(masked, "-01", "")
        return pc.strptime(days, format="%Y-%m-%d", unit="s", error_is_null=True).cast(pa.date32())
    if kind in (Kind.AMOUNT, Kind.DECIMAL):
        return masked.cast(out_type)
    return None


def _parse_distinct(
    kind: Kind, raw: pa.Array, positions: np.ndarray, notes: Counter[str]
) -> tuple[list[object], dict[int, ValueProblem]]:
    """Parse each distinct value once; spread results, notes and problems to every row."""
    parser = SCALAR_PARSERS[kind]
    encoded = raw.dictionary_encode()
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    counts = np.bincount(indices, minlength=len(encoded.dictionary))
    results: list[object] = []
    failures: dict[int, ValueProblem] = {}
    for u, text in enumerate(encoded.dictionary.to_pylist()):
        try:
            value, note = parser(text)
        except ValueProblem as problem:
            results.append(None)
            failures[u] = problem
            continue
        results.append(value)
        if note:
            for part in note.split("+"):
                notes[part] += int(counts[u])
    parsed = [results[i] for i in indices]
    problems = {int(positions[k]): failures[u] for k, u in enumerate(indices) if u in failures} if failures else {}
    return parsed, problems


def _normalise_ids(name: str, trimmed: pa.Array, empty: np.ndarray, notes: Counter[str]) -> _Column:
    """ID numbers: canonical ones checked as a NumPy matrix, the rest one distinct value at a time.

    Steps: 1. the canonical-shaped rows (`^\\d{17}[\\dX]$`): birth date parsed vectorised, checksum
    over an (N, 18) byte matrix; 2. the others through `ids.normalise_id_number` once per distinct
    value (15-digit upgrade, full-width, lower-case x, separators); 3. derived columns.
    """
    n = len(trimmed)
    fast = pc.match_substring_regex(trimmed, _ID_CANONICAL).to_numpy(zero_copy_only=False)
    fast_mask = pa.array(fast)
    valid = np.zeros(n, dtype=bool)
    numbers = pc.if_else(pa.array(empty), pa.scalar(None, pa.string()), trimmed)
    null_string = pa.scalar(None, pa.string())
    born = _strict_date(pc.if_else(fast_mask, pc.utf8_slice_codeunits(trimmed, 6, 14), null_string), "%Y%m%d")
    if fast.any():
        fast_idx = np.flatnonzero(fast)
        matrix = _ascii_matrix(pc.take(trimmed, pa.array(fast_idx)))
        days = born.fill_null(dt.date(1, 1, 1)).cast(pa.int32()).to_numpy(zero_copy_only=False)[fast_idx]
        min_day = (ids.MIN_BIRTH - dt.date(1970, 1, 1)).days
        max_day = (dt.date.today() - dt.date(1970, 1, 1)).days
        valid[fast_idx] = ids.check_many(matrix) & (days >= min_day) & (days <= max_day)
    slow = ~fast & ~empty
    if slow.any():
        slow_idx = np.flatnonzero(slow)
        encoded = pc.take(trimmed, pa.array(slow_idx)).dictionary_encode()
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        counts = np.bincount(indices, minlength=len(encoded.dictionary))
        shaped = []
        for u, text in enumerate(encoded.dictionary.to_pylist()):
            result = ids.normalise_id_number(text)
            shaped.append((result.value, result.valid, ids.birth_date(result.value) if len(result.value) == 18 else None))
            for note in result.notes:
                if note != "id_invalid":
                    notes[note] += int(counts[u])
        slow_mask = pa.array(slow)
        numbers = pc.replace_with_mask(numbers, slow_mask, pa.array([shaped[i][0] for i in indices], pa.string()))
        born = pc.replace_with_mask(born, slow_mask, pa.array([shaped[i][2] for i in indices], pa.date32()))
        valid[slow_idx] = np.array([shaped[i][1] for i in indices], dtype=bool)
    invalid = int((~valid & ~empty).sum())
    if invalid:
        notes["id_invalid"] += invalid
    valid_arr = pa.array(valid)
    prefix = name[: -len("id_number")]
    if prefix:
        return _Column(numbers, {}, {f"{prefix}id_valid": valid_arr})
    extra = {
        "id_valid": valid_arr,
        "birth_date": born,
        "gender": pc.if_else(pc.equal(pc.bit_wise_and(_digit(numbers, 16), 1), 1), "男", "女"),
        "id_region": pc.utf8_slice_codeunits(numbers, 0, 6),
    }
    return _Column(numbers, {}, extra)


def _strict_date(text: pa.Array, fmt: str) -> pa.Array:
    """Parse dates vectorised; null where the text is not a real date.

    pyarrow's strptime rolls impossible days over (19770231 -> 1977-03-03), so each parsed date is
    formatted back and must give the same text.
    """
    parsed = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
    same = pc.equal(pc.strftime(parsed, format=fmt), text)
    return pc.if_else(same, parsed, pa.scalar(None, parsed.type)).cast(pa.date32())


def _ascii_matrix(canon: pa.Array) -> np.ndarray:
    """The bytes of N 18-character ASCII strings as an (N, 18) matrix, without copying per row."""
    canon = pa.concat_arrays([canon])  # fresh buffers starting at offset 0
    offsets = np.frombuffer(canon.buffers()[1], dtype=np.int32)[: len(canon) + 1]
    data = np.frombuffer(canon.buffers()[2], dtype=np.uint8)
    return data[offsets[0] : offsets[-1]].reshape(len(canon), 18)


def _digit(numbers: pa.Array, position: int) -> pa.Array:
    char = pc.utf8_slice_codeunits(numbers, position, position + 1)
    shaped = pc.if_else(pc.match_substring_regex(char, r"^\d$"), char, pa.scalar(None, pa.string()))
    return shaped.cast(pa.int8())


def _prefer_id_derived(dataset: Dataset, typed: dict[str, pa.Array]) -> None:
    """Where a register also has its own birth date / gender column, the valid ID number wins."""
    if "id_valid" not in typed:
        return
    valid = typed["id_valid"]
    for name in ("birth_date", "gender"):
        own = f"_file_{name}"
        if own in typed:
            typed[name] = pc.if_else(valid, typed[name], typed[own])


def _resolve_lookups(
    dataset: Dataset,
    typed: dict[str, pa.Array],
    n: int,
    reasons: Reasons,
    notes: Counter[str],
    lookups: Lookups,
) -> None:
    """Fill codes given by name (payments), derive region levels, count unknown region codes."""
    if dataset.name == "payments":
        _fill_from_names(
            typed, n, "program_code", ("program_name",), lambda key: lookups.programs.get(key[0]),
            reasons, notes, "program_from_name",
            "项目名称“{0}”在补贴项目中找不到 / programme name '{0}' not found in programs",
        )
        _fill_from_names(
            typed, n, "region_code", ("township_name", "village_name"),
            lambda key: lookups.villages.get((key[0], key[1])),
            reasons, notes, "region_from_names",
            "乡镇/村“{0}/{1}”在行政区划中找不到 / township+village '{0}/{1}' not found in regions",
        )
    if dataset.name == "regions" and "code" in typed:
        derived = pa.array(
            [values.region_level_from_code(c) if c else None for c in typed["code"].to_pylist()], pa.string()
        )
        typed["level"] = pc.coalesce(typed["level"], derived) if "level" in typed else derived
    if lookups.region_codes is not None and "region_code" in typed:
        codes = typed["region_code"]
        known = pc.is_in(codes, value_set=pa.array(sorted(lookups.region_codes), pa.string()))
        unknown = int(pc.sum(pc.and_(pc.invert(known), pc.is_valid(codes))).as_py() or 0)
        if unknown:
            notes["region_unknown"] += unknown


def _fill_from_names(
    typed: dict[str, pa.Array],
    n: int,
    target: str,
    name_columns: tuple[str, ...],
    resolve: Callable[[tuple[str, ...]], str | None],
    reasons: Reasons,
    notes: Counter[str],
    note: str,
    message: str,
) -> None:
    if not all(c in typed for c in name_columns):
        return
    current = typed.get(target)
    need = np.ones(n, dtype=bool) if current is None else pc.is_null(current).to_numpy(zero_copy_only=False)
    if not need.any():
        return
    names = [typed[c].to_pylist() for c in name_columns]
    filled: list[str | None] = [None] * n if current is None else current.to_pylist()
    for i in np.flatnonzero(need):
        key = tuple(values.fold(col[i] or "") for col in names)
        if not all(key):
            continue  # the missing-required check below reports it
        code = resolve(key)
        if code is None:
            reasons[int(i)].append(message.format(*key))
        else:
            filled[int(i)] = code
            notes[note] += 1
    typed[target] = pa.array(filled, pa.string())
    for i in np.flatnonzero(need):
        if filled[int(i)] is None and not reasons.get(int(i)):
            reasons[int(i)].append(f"缺少必填项 / required value missing: {target}")
