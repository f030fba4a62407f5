"""One handler per ``import.*`` event: fold it into the job's snapshot in Redis.

The fold is idempotent and order-independent (see ``progress.domain``), so the
handlers need no inbox: a redelivered event leaves the snapshot as it was and
publishes nothing. A Redis failure raises, and the bus retries the message later.
"""

from __future__ import annotations

import structlog

from pikit.bus import Handler
from pikit.events import (Envelope, ImportBatchDone, ImportCancelled, ImportCancelRequested,
                          ImportCompleted, ImportFailed, ImportProgress, ImportRequested, ImportStarted,
                          ImportValidated, JobBody)
from progress.store import ProgressStore

log = structlog.get_logger("progress.handlers")

SOURCE = "progress"
QUEUE = "progress.updates"


class ProgressHandlers:
    def __init__(self, store: ProgressStore):
        self.store = store

    def routes(self) -> dict[str, Handler]:
        return {
            "import.requested": self.import_requested,
            "import.started": self.import_started,
            "import.progress": self.import_progress,
            "import.validated": self.import_validated,
            "import.batch_done": self.import_batch_done,
            "import.completed": self.import_completed,
            "import.failed": self.import_failed,
            "import.cancelled": self.import_cancelled,
            "import.cancel_requested": self.import_cancel_requested,
        }

    async def _apply(self, envelope: Envelope, body: JobBody, exclude: set[str] | None = None) -> None:
        # Fold the validated body, not the raw data: defaults filled in, fields typed.
        data = body.model_dump(mode="json", exclude=exclude)
        entry_id = await self.store.apply_event(body.job_id, envelope.type, data, envelope.time)
        if entry_id is None:
            log.debug("snapshot unchanged", event_id=envelope.id)

    async def import_requested(self, envelope: Envelope, event: ImportRequested) -> None:
        await self._apply(envelope, event)

    async def import_started(self, envelope: Envelope, event: ImportStarted) -> None:
        await self._apply(envelope, event)

    async def import_progress(self, envelope: Envelope, event: ImportProgress) -> None:
        await self._apply(envelope, event)

    async def import_validated(self, envelope: Envelope, event: ImportValidated) -> None:
        await self._apply(envelope, event)

    async def import_batch_done(self, envelope: Envelope, event: ImportBatchDone) -> None:
        # The product lists can hold thousands of refs; the snapshot needs only the counts.
        await self._apply(envelope, event, exclude={"created", "changed"})

    async def import_completed(self, envelope: Envelope, event: ImportCompleted) -> None:
        await self._apply(envelope, event)

    async def import_failed(self, envelope: Envelope, event: ImportFailed) -> None:
        await self._apply(envelope, event)

    async def import_cancelled(self, envelope: Envelope, event: ImportCancelled) -> None:
        await self._apply(envelope, event)

    async def import_cancel_requested(self, envelope: Envelope, event: ImportCancelRequested) -> None:
        await self._apply(envelope, event)
