"""Background work of the data hub, run by the database-backed worker (`mingjing worker`).

A task carries only the batch id: the batch row is the source of truth for progress and
outcome, and `run_import` claims the batch with a conditional update, so a task that runs twice
(a retried or duplicated enqueue) imports the batch once.
"""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from mingjing.datahub import actions


@task()
def import_batch(batch_id: int) -> dict[str, object]:
    """Import a registered (pending) batch; the result is what the task record keeps."""
    batch = actions.run_import(batch_id)
    return {"batch_id": batch.pk, "status": batch.status, "rows_loaded": batch.rows_loaded}


def queue_import(batch_id: int) -> None:
    """Enqueue the import once the batch row is committed, so the worker always finds it."""
    transaction.on_commit(lambda: import_batch.enqueue(batch_id))
