"""The per-epoch file writes of a training session, off the training thread.

At each epoch's end the session writes its history lines and run.json counters, a checkpoint
(arrays, manifest, retention) and TensorBoard scalars. Each write is atomic and fsynced, and on
a CPU that work took as long as a third of a LeNet-5 epoch on mnist-5k (0.14 s of checkpoint,
0.04 s of history and run.json, 0.02 s of TensorBoard per epoch of 0.4-1.3 s, measured on a
busy 2-core machine): time in which the cores did no training.

So the training thread only copies what is to be written (the weights and optimizer state as
host arrays, the metrics, the run's state: a few hundred microseconds) and hands the writes to
one worker thread, which does them in order while the next epoch trains. The guarantees stay:

* every file is still written atomically, as before;
* an epoch's writes are complete before the next epoch's are handed over (`submit` waits for
  them), so at most one epoch's writes are ever in flight, and checkpoint N is on disk before
  checkpoint N + 1 starts;
* `close()` waits for everything, so the run's record and final model are written after the
  last checkpoint, and nothing reads a checkpoint that is still being written;
* a write that fails fails the run as before, one epoch later at the latest: the error is
  raised in the training thread at the next `submit` or at `close`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

THREAD_NAME = "cnnstudio-epoch-writer"


class EpochWriter:
    """One worker thread that runs an epoch's writes in the order they were handed over."""

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._epoch_jobs: list[Future] = []  # the epoch being written
        self._lock = threading.Lock()

    def begin_epoch(self) -> None:
        """Wait until the previous epoch's writes are done (raising the first error of them);
        the jobs submitted after this belong to the new epoch."""
        jobs, self._epoch_jobs = self._epoch_jobs, []
        for job in jobs:
            job.result()  # raises the write's error, in the training thread

    def submit(self, job: Callable[[], None]) -> None:
        """Run `job` in the worker thread, after every job submitted before it."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)
            self._epoch_jobs.append(self._executor.submit(job))

    def close(self) -> BaseException | None:
        """Wait for every write, end the worker thread; returns the first write's error."""
        error: BaseException | None = None
        for job in self._epoch_jobs:
            failure = job.exception()
            error = error or failure
        self._epoch_jobs = []
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True)
                self._executor = None
        return error
