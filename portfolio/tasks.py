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


# Finished computations kept per kind: the newest; older ones are deleted as new ones finish.
COMPUTATIONS_KEPT = 200


@task()
def run_computation(computation_id: int) -> dict:
    """Compute a queued Computation (the frontier, a large sensitivity run) and store its result.

    Claimed from "queued" to "running" in one update, so a second run of the same task does
    nothing. The frontier reports its progress after each solved budget level. Any failure is
    logged with its traceback and recorded on the computation, where the page shows it and
    offers to ask again, instead of being raised: a worker would only log it.
    """
    from django.utils import timezone

    from portfolio.models import Computation
    from portfolio.views import ranking

    rows = Computation.objects.filter(pk=computation_id)
    if not rows.filter(status=Computation.Status.QUEUED).update(
        status=Computation.Status.RUNNING, progress=0
    ):
        return {"status": "nothing to do"}
    computation = rows.select_related("requested_by").get()
    try:
        result = ranking.compute(computation, lambda percent: rows.update(progress=percent))
    except Exception as error:
        logger.exception("The computation %s failed", computation_id)
        rows.update(
            status=Computation.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        return {"status": "failed"}
    rows.update(
        status=Computation.Status.DONE, progress=100, result=result, finished_at=timezone.now()
    )
    prune_computations(computation.kind)
    return {"status": "done"}


def prune_computations(kind: str, keep: int = COMPUTATIONS_KEPT) -> int:
    """Delete the finished computations of a kind beyond the newest `keep`; how many went.

    Pending ones stay: a page may be polling them.
    """
    from portfolio.models import Computation

    finished = Computation.objects.filter(kind=kind).exclude(
        status__in=[Computation.Status.QUEUED, Computation.Status.RUNNING]
    )
    old = list(finished.order_by("-created_at", "-pk").values_list("pk", flat=True)[keep:])
    if not old:
        return 0
    return Computation.objects.filter(pk__in=old).delete()[0]
