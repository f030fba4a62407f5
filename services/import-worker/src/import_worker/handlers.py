"""The worker's handlers: ``import.requested`` runs both passes; cancellations are noted."""

from __future__ import annotations

import asyncio
import math
import tempfile
import threading
import time
from pathlib import Path

import orjson
import structlog

from import_worker.pipeline import Cancelled, Progress, Spool, Validation, batches, validate
from import_worker.settings import WorkerSettings
from pikit import context
from pikit.bus import Bus, delivery_attempt
from pikit.csvformat import CsvFormatError, KNOWN_COLUMNS
from pikit.events import (Envelope, ImportCancelRequested, ImportFailed, ImportFailedError, ImportProgress,
                          ImportRequested, ImportStarted, ImportValidated, encode,
                          new_event)
from pikit.storage import LocalStorage

log = structlog.get_logger("import_worker")

SOURCE = "import-worker"
BATCH_COLUMNS = ["row_no", "sku", "name", "description", "price", "active"]
CANCELLED_MEMORY_SECONDS = 24 * 3600


class ImportWorker:
    def __init__(self, bus: Bus, storage: LocalStorage, settings: WorkerSettings):
        self.bus = bus
        self.storage = storage
        self.settings = settings
        self._cancelled: dict[str, float] = {}  # job id -> when the cancellation was seen

    def routes(self) -> dict:
        return {"import.requested": self.import_requested}

    def cancellation_routes(self) -> dict:
        return {"import.cancel_requested": self.cancel_requested}

    async def cancel_requested(self, envelope: Envelope, event: ImportCancelRequested) -> None:
        now = time.monotonic()
        self._cancelled = {j: t for j, t in self._cancelled.items() if now - t < CANCELLED_MEMORY_SECONDS}
        self._cancelled[event.job_id] = now

    def _is_cancelled(self, job_id: str) -> bool:
        return job_id in self._cancelled

    async def _emit(self, body, correlation_id: str | None) -> None:
        await self.bus.publish(new_event(body, source=SOURCE, correlation_id=correlation_id))

    async def import_requested(self, envelope: Envelope, request: ImportRequested) -> None:
        job_id, cid = request.job_id, envelope.correlation_id
        if self._is_cancelled(job_id):
            log.info("job cancelled before it started")
            return
        attempt, max_attempts = delivery_attempt.get()
        await self._emit(ImportStarted(job_id=job_id, attempt=attempt, bytes_total=request.size_bytes), cid)
        progress = Progress(bytes_total=request.size_bytes)
        reporter = asyncio.create_task(self._report(job_id, progress, cid))
        try:
            await self._run(request, progress, cid)
        except CsvFormatError as exc:
            await self._fail(job_id, exc.code, exc.message, cid)
        except FileNotFoundError:
            await self._fail(job_id, "file_missing", "The uploaded file is no longer in storage.", cid)
        except Cancelled:
            log.info("job cancelled while running", stage=progress.stage)
        except Exception as exc:
            if attempt >= max_attempts:
                await self._fail(job_id, "internal_error", f"The import failed unexpectedly: {exc!r}"[:500], cid)
            raise
        finally:
            reporter.cancel()
        await self._publish_progress(job_id, progress, cid)  # the final figures, not the last sample

    async def _fail(self, job_id: str, code: str, message: str, cid: str | None) -> None:
        log.warning("import failed", code=code, reason=message)
        await self._emit(ImportFailed(job_id=job_id, error=ImportFailedError(code=code, message=message)), cid)

    async def _run(self, request: ImportRequested, progress: Progress, cid: str | None) -> None:
        job_id = request.job_id
        cancelled = lambda: self._is_cancelled(job_id)  # noqa: E731
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix=f"import-{job_id}-") as scratch:
            spool = Spool(Path(scratch) / "valid-rows")
            try:
                await self._passes(request, spool, progress, cancelled, cid, started)
            finally:
                spool.close()

    async def _passes(self, request, spool, progress, cancelled, cid, started) -> None:
        job_id = request.job_id
        result: Validation = await asyncio.to_thread(
            validate, self.storage, request.storage_key, f"errors/{job_id}.csv", spool, progress, cancelled)
        batch_count = math.ceil(result.rows_to_import / self.settings.batch_size)
        layout = result.layout
        await self._emit(ImportValidated(
            job_id=job_id, rows_total=result.rows_total, valid=result.valid, invalid=result.invalid,
            duplicates=result.duplicates, rows_to_import=result.rows_to_import, batches=batch_count,
            encoding=layout.encoding, delimiter=layout.delimiter, unknown_columns=list(layout.unknown),
            error_report_key=f"errors/{job_id}.csv"), cid)
        log.info("validated", rows=result.rows_total, invalid=result.invalid, duplicates=result.duplicates,
                 batches=batch_count, seconds=round(time.monotonic() - started, 2))
        progress.stage, progress.batches_total, progress.rows_read = "importing", batch_count, 0
        columns = [c for c in KNOWN_COLUMNS if c in layout.index]
        await self._send_batches(request, result, columns, progress, cancelled, cid)
        log.info("batches sent", batches=batch_count, seconds=round(time.monotonic() - started, 2))

    async def _send_batches(self, request, result, columns, progress, cancelled, cid) -> None:
        """Pass 2 runs in a thread and hands batches over a bounded queue to the publisher."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue(maxsize=self.settings.batches_in_flight)
        done = object()

        def produce() -> None:
            try:
                for batch in batches(result, self.settings.batch_size, progress, stoppable):
                    asyncio.run_coroutine_threadsafe(queue.put(batch), loop).result()
                asyncio.run_coroutine_threadsafe(queue.put(done), loop).result()
            except BaseException as exc:  # hand the failure to the publisher side
                asyncio.run_coroutine_threadsafe(queue.put(exc), loop).result()

        stop = threading.Event()
        stoppable = lambda: stop.is_set() or cancelled()  # noqa: E731
        producer = loop.run_in_executor(None, produce)
        in_flight: set[asyncio.Task] = set()
        batch_no = 0
        try:
            while (item := await queue.get()) is not done:
                if isinstance(item, BaseException):
                    raise item
                envelope = Envelope(source=SOURCE, type="catalog.upsert_batch", subject=request.job_id,
                                    correlation_id=cid, principal=context.principal.get(), data={})
                data = {"job_id": request.job_id, "batch_no": batch_no, "columns": columns,
                        "rows": orjson.Fragment(item), "rows_to_import": result.rows_to_import}
                task = asyncio.create_task(self.bus.publish(envelope, body=encode(envelope, data)))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
                batch_no += 1
                progress.batches_sent = batch_no
                if len(in_flight) >= self.settings.batches_in_flight:
                    await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            await asyncio.gather(*in_flight)
        finally:
            await asyncio.gather(*in_flight, return_exceptions=True)
            stop.set()
            while not producer.done():  # unblock the producer thread so it can end
                try:
                    queue.get_nowait()
                except asyncio.QueueEmpty:
                    await asyncio.sleep(0.01)
        expected = progress.batches_total
        if batch_no != expected:
            raise RuntimeError(f"pass 2 produced {batch_no} batches, pass 1 announced {expected}")

    async def _report(self, job_id: str, progress: Progress, cid: str | None) -> None:
        """Publish progress a few times a second while the job runs."""
        while True:
            await asyncio.sleep(self.settings.progress_interval)
            await self._publish_progress(job_id, progress, cid)

    async def _publish_progress(self, job_id: str, progress: Progress, cid: str | None) -> None:
        try:
            await self._emit(ImportProgress(
                job_id=job_id, stage=progress.stage, rows_read=progress.rows_read,
                bytes_read=progress.bytes_read, bytes_total=progress.bytes_total,
                batches_sent=progress.batches_sent, batches_total=progress.batches_total), cid)
        except Exception as exc:  # progress is informative: never fail a job over it
            log.warning("progress not published", error=repr(exc))
