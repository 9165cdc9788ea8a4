"""Writes of the data hub. Views, the CLI and background tasks all go through these."""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from mingjing.accounts import policy
from mingjing.audit.actions import record
from mingjing.datahub import lake, queries, signals
from mingjing.datahub.contract import DATASETS
from mingjing.datahub.models import Batch
from mingjing.datahub.normalise import arrow_schema, normalise_chunk
from mingjing.datahub.reader import FileProblem, open_source

logger = logging.getLogger("mingjing.datahub")

Progress = Callable[[int], None]
LIVE = (Batch.Status.PENDING, Batch.Status.RUNNING, Batch.Status.ACTIVE, Batch.Status.SUPERSEDED)


def _check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        raise FileProblem(
            "unknown_dataset",
            f"未知的数据集“{dataset}”。可用的数据集：{'、'.join(DATASETS)}",
            f"unknown dataset '{dataset}'. Known datasets: {', '.join(DATASETS)}",
        )


def _refuse_duplicate(dataset: str, sha256: str, force: bool) -> None:
    if force:
        return
    earlier = Batch.objects.filter(dataset=dataset, source_sha256=sha256, status__in=LIVE).first()
    if earlier is not None:
        raise FileProblem(
            "duplicate",
            f"同一文件(内容相同)已导入为批次 #{earlier.pk}(“{earlier.source_name}”，状态 {earlier.status})。"
            "如确需再次导入，请选择“强制重复导入”(命令行 --force)。",
            f"the same file (same bytes) was already imported as batch #{earlier.pk} "
            f"('{earlier.source_name}', status {earlier.status}); to import it again, choose "
            "'force' (--force on the command line).",
        )


def do_register_upload(
    *,
    dataset: str,
    chunks: Iterable[bytes],
    source_name: str,
    user: User | None = None,
    sheet: str | None = None,
    force: bool = False,
    replace: bool = False,
) -> Batch:
    """Keep the original file and queue a batch for it; refuse the same bytes twice.

    Steps: 1. stream the bytes into staging while hashing; 2. refuse a duplicate; 3. create the
    pending batch and move the original to HOME/originals/<batch id>/.
    """
    policy.require_unless_system(user, "batch.upload")
    _check_dataset(dataset)
    digest = hashlib.sha256()
    size = 0
    staging = Path(settings.STAGING_DIR) / f"upload-{uuid.uuid4().hex}"
    with staging.open("wb") as out:
        for chunk in chunks:
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    try:
        _refuse_duplicate(dataset, digest.hexdigest(), force)
        with transaction.atomic():
            batch = Batch.objects.create(
                dataset=dataset,
                source_name=Path(source_name).name,
                source_sha256=digest.hexdigest(),
                source_size=size,
                sheet=sheet or "",
                force=force,
                replace=replace,
                created_by=user if user is not None and user.is_authenticated else None,
                organisation=policy.organisation_of(user),
            )
            record("batch.uploaded", actor=user, obj=batch, detail={
                "dataset": dataset, "source_name": batch.source_name, "sha256": batch.source_sha256,
                "size": size, "force": force, "replace": replace})
        target = lake.original_dir(batch.pk) / batch.source_name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    return batch


def read_file_chunks(path: Path, size: int = 1 << 20) -> Iterable[bytes]:
    try:
        with Path(path).open("rb") as f:
            while chunk := f.read(size):
                yield chunk
    except OSError as exc:
        raise FileProblem("unreadable", f"无法读取文件：{exc}", f"cannot read the file: {exc}") from exc


def do_import_file(
    dataset: str,
    path: Path,
    *,
    user: User | None = None,
    sheet: str | None = None,
    force: bool = False,
    replace: bool = False,
    progress: Progress | None = None,
) -> Batch:
    """Register and import a file in this process (the CLI's path; the web queues a task)."""
    path = Path(path)
    if not path.is_file():
        raise FileProblem("unreadable", f"找不到文件：{path}", f"no such file: {path}")
    batch = do_register_upload(
        dataset=dataset,
        chunks=read_file_chunks(path),
        source_name=path.name,
        user=user,
        sheet=sheet,
        force=force,
        replace=replace,
    )
    return run_import(batch.pk, progress=progress)


def run_import(batch_id: int, *, progress: Progress | None = None) -> Batch:
    """Import a pending batch. Claims it first, so two workers never import the same batch.

    Steps: 1. claim; 2. open and map the file; 3. stream chunks through normalisation into
    staging Parquet parts and the rejects file; 4. sort into the lake; 5. activate in one
    transaction (superseding earlier batches when replacing). Any failure leaves no data behind.
    """
    claimed = Batch.objects.filter(pk=batch_id, status=Batch.Status.PENDING).update(
        status=Batch.Status.RUNNING, started_at=timezone.now()
    )
    batch = Batch.objects.get(pk=batch_id)
    if not claimed:
        return batch
    staging = lake.staging_dir(batch.pk)
    target = lake.parquet_path(batch.dataset, batch.pk)
    rejects = lake.RejectsWriter(lake.rejects_path(batch.pk), [])
    try:
        _import_into(batch, staging, target, rejects, progress)
    except FileProblem as problem:
        _fail(batch, problem.code, f"{problem.zh}\n{problem.en}", rejects, target)
    except Exception as exc:
        logger.exception("import of batch %s failed", batch.pk)
        _fail(batch, "internal", f"导入时发生内部错误：{exc}\ninternal error during import: {exc}", rejects, target)
        raise
    finally:
        lake.remove(staging)
    batch.refresh_from_db()
    return batch


def _import_into(
    batch: Batch, staging: Path, target: Path, rejects: lake.RejectsWriter, progress: Progress | None
) -> None:
    dataset = DATASETS[batch.dataset]
    original = lake.original_dir(batch.pk) / batch.source_name
    source = open_source(original, dataset, sheet=batch.sheet or None)
    mapped = set(source.mapping.values())
    lookups = queries.lookups_for(dataset.name)
    if "region_code" not in mapped and {"township_name", "village_name"} <= mapped and not lookups.villages:
        raise FileProblem(
            "needs_regions",
            "文件用乡镇和村名称代替区划代码，但尚未导入行政区划(regions)数据集，无法换算代码",
            "the file names townships and villages instead of region codes, but no regions "
            "dataset has been imported to resolve them",
        )
    if "program_code" not in mapped and "program_name" in mapped and not lookups.programs:
        raise FileProblem(
            "needs_programs",
            "文件用项目名称代替项目编码，但尚未导入补贴项目(programs)数据集",
            "the file names programmes instead of codes, but no programs dataset has been imported",
        )
    rejects.headers = source.headers
    batch.file_format = source.format
    batch.encoding = source.reported_encoding or ""
    batch.sheet = source.sheet or ""
    batch.header_row = source.header_row
    batch.header_map = {source.headers[i]: name for i, name in source.mapping.items()}
    batch.ignored_headers = source.ignored_headers
    batch.save(update_fields=["file_format", "encoding", "sheet", "header_row", "header_map", "ignored_headers"])

    writer = lake.PartWriter(staging, arrow_schema(dataset))
    notes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    done = 0
    for chunk in source.chunks():
        result = normalise_chunk(dataset, chunk, source.mapping, source.headers, batch.pk, lookups)
        writer.write(result.table)
        rejects.write(result.rejects)
        notes.update(result.notes)
        reasons.update(_reason_kind(r.reason) for r in result.rejects)
        done += result.table.num_rows + len(result.rejects)
        Batch.objects.filter(pk=batch.pk).update(rows_done=done)
        if progress:
            progress(done)
    rejects.close()
    if done == 0:
        raise FileProblem(
            "no_data",
            f"文件在表头(第 {source.header_row} 行)之下没有数据行",
            f"the file has no data rows below its header (row {source.header_row})",
        )
    writer.finish(target, dataset.sort_keys)
    try:
        with transaction.atomic():
            now = timezone.now()
            if batch.replace:
                Batch.objects.filter(dataset=batch.dataset, status=Batch.Status.ACTIVE).exclude(
                    pk=batch.pk
                ).update(status=Batch.Status.SUPERSEDED, superseded_by=batch)
            batch.status = Batch.Status.ACTIVE
            batch.rows_read = done
            batch.rows_loaded = writer.rows
            batch.rows_rejected = rejects.count
            batch.blank_rows = source.blank_rows
            batch.rows_done = done
            batch.normalised = dict(sorted(notes.items()))
            batch.rejects_by_reason = dict(reasons.most_common())
            batch.finished_at = now
            batch.save(
                update_fields=[
                    "status", "rows_read", "rows_loaded", "rows_rejected", "blank_rows", "rows_done",
                    "normalised", "rejects_by_reason", "finished_at",
                ]
            )
    except Exception:
        lake.remove(target.parent)
        raise
    logger.info("batch %s (%s) active: %s read, %s loaded, %s rejected", batch.pk, batch.dataset,
                done, writer.rows, rejects.count)
    for receiver, outcome in signals.batch_activated.send_robust(sender=Batch, batch=batch):
        if isinstance(outcome, Exception):
            logger.error("after batch %s: %s failed: %r", batch.pk, getattr(receiver, "__name__", receiver), outcome)


_QUOTED = re.compile(r"“[^”]*”|'[^']*'")


def _reason_kind(reason: str) -> str:
    """Group reject reasons for the report: the first reason, both languages, values left out."""
    return " ".join(_QUOTED.sub("", reason.split("; ")[0]).split())


def _fail(batch: Batch, code: str, message: str, rejects: lake.RejectsWriter, target: Path) -> None:
    rejects.close()
    lake.remove(rejects.path)
    lake.remove(target.parent)
    Batch.objects.filter(pk=batch.pk).update(
        status=Batch.Status.FAILED, error_code=code, error=message, finished_at=timezone.now(),
        rows_read=0, rows_loaded=0, rows_rejected=0,
    )


def do_retract_batch(*, batch: Batch, user: User | None = None) -> Batch:
    """Withdraw an active batch. Batches it had replaced become active again (undo of a replace).
    The owning department and the county may (`user=None`: the command line)."""
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        policy.require_unless_system(user, "batch.retract", locked)
        if locked.status != Batch.Status.ACTIVE:
            raise FileProblem(
                "not_active",
                f"批次 #{locked.pk} 的状态为 {locked.status}，只有生效中的批次可以撤回",
                f"batch #{locked.pk} is {locked.status}; only an active batch can be retracted",
            )
        restored = list(Batch.objects.filter(superseded_by=locked, status=Batch.Status.SUPERSEDED)
                        .values_list("pk", flat=True))
        Batch.objects.filter(pk__in=restored).update(status=Batch.Status.ACTIVE, superseded_by=None)
        record("batch.retracted", actor=user, obj=locked, detail={
            "dataset": locked.dataset, "before": {"status": locked.status},
            "after": {"status": Batch.Status.RETRACTED}, "reactivated": restored})
        locked.status = Batch.Status.RETRACTED
        locked.retracted_at = timezone.now()
        locked.retracted_by = user if user is not None and user.is_authenticated else None
        locked.save(update_fields=["status", "retracted_at", "retracted_by"])
    return locked
