"""A bounded background queue that executes stored runs in worker threads.

Runs live in the store: the queue only holds run ids. A run's progress is written to the
store chunk by chunk (``record_chunk``), so it survives a restart of the server; a run
that was in flight when the process died is marked ``interrupted`` on the next start-up
(``Store.mark_interrupted_runs``) and can be resumed. Submitting to a full queue raises
:class:`QueueFull` (the API answers 429); a submitted job is never dropped.

Runs waiting in the store beyond the queue (``queued`` runs left by a server with a larger
queue, and, when asked, ``interrupted`` ones) are its backlog: :meth:`JobQueue.fill_from_store`
queues them oldest first while there is room, at start-up and whenever a run ends, so none
is stranded.
"""

from __future__ import annotations

import queue
import threading
import time

from rxtwin.errors import UserInputError
from rxtwin.runs.kinds import execute_run
from rxtwin.store import Store

__all__ = ["JobCancelled", "JobQueue", "JobTimeout", "QueueFull"]

_POLL_S = 0.2  # how often an idle worker checks whether the queue is stopping
_BACKLOG_SCAN = 10_000  # runs of the backlog looked at, oldest first, per refill


class QueueFull(Exception):
    """The run queue holds ``queue_size`` runs already; try again later."""


class JobTimeout(Exception):
    """A run took longer than the queue's ``job_timeout_s``."""


class JobCancelled(Exception):
    """The queue stopped while the run was in flight (the run is resumable)."""


class JobQueue:
    """Execute runs from a bounded FIFO queue in ``workers`` daemon threads.

    Parameters
    ----------
    store : Store
        Where runs, their progress and results live (shared; SQLAlchemy pools connections).
    workers : int
        Runs executed at once.
    queue_size : int
        Runs waiting at most; :meth:`submit` raises :class:`QueueFull` beyond.
    job_timeout_s : float
        Wall-clock limit of one run [s]; a run past it fails with a timeout message at its
        next progress report (and can be resumed).
    backlog_statuses : tuple of str
        Runs in the store in these statuses are queued by :meth:`fill_from_store`:
        ``("queued",)``, or ``("queued", "interrupted")`` to resume interrupted runs too.
    """

    def __init__(self, store: Store, *, workers: int = 1, queue_size: int = 16,
                 job_timeout_s: float = 600.0,
                 backlog_statuses: tuple[str, ...] = ("queued",)):
        if workers < 1 or queue_size < 1 or not job_timeout_s > 0:
            raise UserInputError(f"workers = {workers}, queue_size = {queue_size} must be >= 1 and "
                             f"job_timeout_s = {job_timeout_s} > 0")
        self._store = store
        self._queue: queue.Queue[str] = queue.Queue(maxsize=queue_size)
        self._workers = workers
        self._timeout_s = job_timeout_s
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._backlog_statuses = backlog_statuses
        self.queue_size = queue_size

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        """Start the worker threads."""
        self._stop.clear()
        for i in range(self._workers):
            thread = threading.Thread(target=self._work, name=f"rxtwin-run-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop: runs in flight fail with "cancelled" at their next progress report (they
        can be resumed); queued runs stay ``queued`` in the store for the next start."""
        self._stop.set()
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

    def submit(self, run_id: str) -> None:
        """Queue a stored run; :class:`QueueFull` if ``queue_size`` runs wait already.

        Submitting a run that is already waiting or running is a no-op.
        """
        with self._lock:
            if run_id in self._pending:
                return
            try:
                self._queue.put_nowait(run_id)
            except queue.Full:
                raise QueueFull(
                    f"the run queue is full ({self.queue_size} runs waiting); try again later"
                ) from None
            self._pending.add(run_id)

    def fill_from_store(self) -> list[str]:
        """Queue runs of the backlog (see ``backlog_statuses``), oldest first, until the
        queue is full; return the ids queued now. Runs already pending are skipped."""
        backlog = [run for status in self._backlog_statuses
                   for run in self._store.list_runs(status=status, limit=_BACKLOG_SCAN)]
        backlog.sort(key=lambda run: (run.created_at, run.id))
        queued = []
        for run in backlog:
            if self.is_pending(run.id):
                continue
            try:
                self.submit(run.id)
            except QueueFull:
                break
            queued.append(run.id)
        return queued

    def is_pending(self, run_id: str) -> bool:
        """Whether a run is waiting in the queue or being executed by a worker."""
        with self._lock:
            return run_id in self._pending

    @property
    def waiting(self) -> int:
        """Runs waiting (not yet picked by a worker)."""
        return self._queue.qsize()

    # ------------------------------------------------------------------ work
    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                run_id = self._queue.get(timeout=_POLL_S)
            except queue.Empty:
                continue
            try:
                self._execute(run_id)
            finally:
                with self._lock:
                    self._pending.discard(run_id)
                self._queue.task_done()
            if not self._stop.is_set():
                self._refill()

    def _refill(self) -> None:
        try:
            self.fill_from_store()
        except Exception:  # noqa: BLE001 - a store hiccup must not end the worker;
            return  # the next finished run (or start-up) tries again

    def _execute(self, run_id: str) -> None:
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            if self._stop.is_set():
                raise JobCancelled("the server stopped; resume the run")
            if time.monotonic() - started > self._timeout_s:
                raise JobTimeout(f"the run took more than {self._timeout_s:g} s")

        try:
            execute_run(self._store, run_id, progress)
        except Exception:  # noqa: BLE001 - recorded in the store by execute_run
            return
