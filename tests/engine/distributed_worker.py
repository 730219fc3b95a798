"""One training process for the distribution tests, run as a script in its own interpreter:
the logical CPU split and a multi-worker strategy must be set up before TensorFlow initialises.

    python distributed_worker.py RUNS_DIR REPORT_FILE CONFIG_JSON [RESUME_EPOCHS]

Trains `CONFIG_JSON` (a TrainingConfig's fields) into RUNS_DIR; with RESUME_EPOCHS it then
resumes that run to that many epochs. Writes a JSON report: each session's status, reason, best
metrics, run folder and `hardware` record, and a checksum of the final weights.
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


def main() -> None:
    from cnnstudio.engine.config import TrainingConfig
    from cnnstudio.engine.runs import RunStore
    from cnnstudio.engine.session import TrainingSession

    runs_dir, report_file, config_json = sys.argv[1:4]
    store = RunStore(runs_dir)
    session = TrainingSession(TrainingConfig.from_json(config_json), runs=store)
    session.run()
    reports = [report(session)]
    if len(sys.argv) > 4 and session.result.run_id:
        again = TrainingSession.resume_run(
            session.result.run_id, runs=store, epochs=int(sys.argv[4])
        )
        again.run()
        reports.append(report(again))
    Path(report_file).write_text(json.dumps(reports))


if __name__ == "__main__":
    main()
