"""Background work of the analysis app, run by the database-backed worker (`mingjing worker`).

A task carries only the run id: the run row is the source of truth for progress and outcome,
and `run_detection` claims the run with a conditional update, so a task that runs twice (a
retried or duplicated enqueue) runs the models once. The task (like `mingjing detect`) then
hands the hits to the alert loop: the alerts app builds on analysis, never the reverse.
"""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from mingjing.alerts.actions import sync_alerts
from mingjing.analysis import actions
from mingjing.analysis.models import Run


@task()
def detect(run_id: int) -> dict[str, object]:
    """Run a queued (pending) detection run; the result is what the task record keeps."""
    run = actions.run_detection(run_id)
    if run.status == Run.Status.DONE:
        sync_alerts(run)
    return {
        "run_id": run.pk,
        "status": run.status,
        "hits_total": run.hits_total,
        "hits_new": run.hits_new,
    }


def queue_run(run_id: int) -> None:
    """Enqueue the run once its row is committed, so the worker always finds it."""
    transaction.on_commit(lambda: detect.enqueue(run_id))
