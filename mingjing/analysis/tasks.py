"""Background work of the analysis app, run by the database-backed worker (`mingjing worker`).

A task carries only the run id: the run row is the source of truth for progress and outcome,
and `run_detection` claims the run with a conditional update, so a task that runs twice (a
retried or duplicated enqueue) runs the models once.
"""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from mingjing.analysis import actions


@task()
def detect(run_id: int) -> dict[str, object]:
    """Run a queued (pending) detection run; the result is what the task record keeps."""
    run = actions.run_detection(run_id)
    return {
        "run_id": run.pk,
        "status": run.status,
        "hits_total": run.hits_total,
        "hits_new": run.hits_new,
    }


def queue_run(run_id: int) -> None:
    """Enqueue the run once its row is committed, so the worker always finds it."""
    transaction.on_commit(lambda: detect.enqueue(run_id))
