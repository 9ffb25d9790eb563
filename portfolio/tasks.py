"""Background tasks (django-tasks) of the portfolio: the office's import, applied off the request.

With the default ImmediateBackend (`make run`, the tests) `enqueue` runs the task at once in the
same process; in production TASKS_BACKEND=database stores it and `manage.py db_worker` runs it.
"""

from __future__ import annotations

import logging

from django_tasks import task

from portfolio import importing
from portfolio.models import ImportBatch

logger = logging.getLogger(__name__)


@task()
def apply_import(batch_id: int) -> dict:
    """Apply a queued import batch (portfolio.importing.import_queue queued it), exactly once.

    What went wrong is recorded on the batch, where the preview page shows it, instead of being
    raised: a worker would only log it. A known refusal (the rows no longer fit the database) is
    the task's result, not its failure; anything else is logged with its traceback and recorded
    as an unexpected failure. Run twice for the same batch, the second run writes nothing.
    """
    batch = importing.import_start(batch_id)
    if batch is None:
        return {"status": "nothing to do"}
    try:
        result = importing.import_apply(batch=batch, by=batch.queued_by or batch.uploaded_by)
    except importing.AlreadyApplied:
        importing.import_done(batch_id)
        return {"status": "already applied"}
    except importing.PlanHasErrors:
        importing.import_failed(batch_id, ImportBatch.Failure.PLAN)
        return {"status": "failed", "failure": ImportBatch.Failure.PLAN.value}
    except Exception:
        logger.exception("The import batch %s failed", batch_id)
        importing.import_failed(batch_id, ImportBatch.Failure.UNEXPECTED)
        return {"status": "failed", "failure": ImportBatch.Failure.UNEXPECTED.value}
    return {"status": "done", **result}


@task()
def refresh_figures() -> dict:
    """Recompute the dashboard's sums from scratch (portfolio.figures.rebuild): nightly from the
    timer, and when a read finds them stale (a new day, a new hourly rate, a bulk load)."""
    from portfolio import figures

    return {"initiatives": figures.rebuild()}
