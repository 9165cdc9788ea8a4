"""Background work of the portal, run by the database-backed worker (`mingjing worker`)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from mingjing.portal import payments


@task()
def build_index() -> dict[str, str]:
    """Build the portal index for the active batches (a no-op when it is built already), so that
    the first villager after an import does not wait for it."""
    return {"index": payments.ensure_index().name}


def on_batch_activated(sender: Any, batch: Any, **kwargs: Any) -> None:
    """For `datahub.signals.batch_activated`: a batch the index reads was activated."""
    if getattr(batch, "dataset", "") in payments.INDEXED:
        build_index.enqueue()
