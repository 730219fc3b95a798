"""One training process for the distribution tests, run as a script in its own interpreter:
the logical CPU split and a multi-worker strategy must be set up before TensorFlow initialises.

    python distributed_worker.py RUNS_DIR REPORT_FILE CONFIG_JSON [STOP_AFTER_EPOCH]

Trains `CONFIG_JSON` (a TrainingConfig's fields) into RUNS_DIR; with STOP_AFTER_EPOCH it stops
the run (as the Stop button does) once that epoch has ended, then resumes it to the end. Writes a
JSON report: each session's status, reason, best metrics, run folder, `hardware` record, the
number of batch events, and a checksum of the final weights.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path


def weights_checksum(model) -> str:
    digest = hashlib.sha256()
    for weight in model.get_weights():
        digest.update(weight.tobytes())
    return digest.hexdigest()


def report(session) -> dict:
    result = session.result
    run_dir = Path(result.run_dir) if result.run_dir else None
    record = json.loads((run_dir / "run.json").read_text()) if run_dir and run_dir.exists() else {}
    return {
        "status": result.status,
        "reason": result.reason,
        "best": result.best,
        "epochs_completed": result.epochs_completed,
        "run_dir": result.run_dir,
        "run_id": result.run_id,
        "hardware": record.get("hardware"),
        "device": record.get("device"),
        "checksum": weights_checksum(session.model) if session.model is not None else None,
    }


class Observer:
    """Counts the batch events (what the live charts draw) and stops after an epoch."""

    def __init__(self, stop_after: int | None) -> None:
        self.session = None
        self.stop_after = stop_after
        self.batches = 0

    def on_event(self, event) -> None:
        from cnnstudio.engine.training.events import BatchEnd, EpochEnd

        if isinstance(event, BatchEnd):
            self.batches += 1
        if isinstance(event, EpochEnd) and event.epoch == self.stop_after:
            self.session.stop()


def main() -> None:
    from cnnstudio.engine.store.runs import RunStore
    from cnnstudio.engine.training.config import TrainingConfig
    from cnnstudio.engine.training.session import TrainingSession

    runs_dir, report_file, config_json = sys.argv[1:4]
    stop_after = int(sys.argv[4]) if len(sys.argv) > 4 else None
    store = RunStore(runs_dir)
    observer = Observer(stop_after)
    session = observer.session = TrainingSession(
        TrainingConfig.from_json(config_json), observer, runs=store
    )
    session.run()
    reports = [{**report(session), "batch_events": observer.batches}]
    if stop_after is not None and session.result.run_id:
        observer = Observer(None)
        again = observer.session = TrainingSession.resume_run(
            session.result.run_id, observer, runs=store
        )
        again.run()
        reports.append({**report(again), "batch_events": observer.batches})
    Path(report_file).write_text(json.dumps(reports))


if __name__ == "__main__":
    main()
