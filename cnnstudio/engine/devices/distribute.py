"""Where a run trains: one device, several through TensorFlow's own distribution strategies.

    none          one device, `tf.device(...)`: the first GPU, else the CPU (`auto`), or as named
    mirrored      `tf.distribute.MirroredStrategy` over the devices named (`gpu:0,gpu:1`), or every
                  GPU for `auto` (every logical CPU where there is none: tests and benchmarks)
    multi-worker  `tf.distribute.MultiWorkerMirroredStrategy`; the cluster comes from `TF_CONFIG`
                  as TensorFlow documents it, or from a Slurm allocation (`SlurmClusterResolver`)
                  where `SLURM_JOB_ID` is set and `TF_CONFIG` is not

The model, its optimizer and metrics are built and compiled inside `Placement.scope()`, and fit
runs there too. Batches: `batch_size` is per replica; the pipeline batches
`batch_size x replicas` (the global batch) and Keras splits each batch across the replicas.
Learning rate: used as configured, not scaled with the number of replicas. The default Adam
is insensitive to the batch size in the range this gives (2-8 replicas); for SGD on many
replicas, scale it yourself (Goyal et al. 2017: linearly, with a warm-up).

Multi-worker: each worker reads the whole data set and the pipelines are sharded per worker with
`AutoShardPolicy.DATA` (every worker keeps its share of each global batch; in-memory arrays have
no files to shard by). Only the chief writes the run folder; the other workers train into
temporary run stores of their own (saving may need every worker) that the session removes at the
end. `keras.callbacks.BackupAndRestore` in `backup_dir(...)` makes a restarted cluster continue
from the last epoch the backup holds, as TensorFlow documents for losing a worker.

`MultiWorkerMirroredStrategy` must exist before TensorFlow initialises its runtime: `place()`
makes it before anything else, and the CLI calls `prepare(config)` first thing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnnstudio.engine.devices.devices import Device, parse_device_names, prepare_devices
from cnnstudio.i18n import _

if TYPE_CHECKING:
    from cnnstudio.engine.training.config import TrainingConfig
    from cnnstudio.engine.training.recipe import Pipelines

_multi_worker: dict[str, Any] = {}  # the process's one MultiWorkerMirroredStrategy


@dataclass(frozen=True)
class ClusterRole:
    """This process's place in a multi-worker cluster."""

    task_type: str | None  # "chief", "worker", or None (no cluster: a cluster of one)
    task_id: int
    num_workers: int
    is_chief: bool
    source: str  # "TF_CONFIG", "Slurm" or "none"

    @property
    def label(self) -> str:
        return f"{self.task_type}:{self.task_id}" if self.task_type else "chief:0"


@dataclass
class Placement:
    """The strategy a run trains under and the local devices it uses."""

    kind: str  # "none", "mirrored", "multi-worker"
    devices: list[Device]
    strategy: Any = None  # a tf.distribute.Strategy, None for one device
    replicas: int = 1  # replicas in sync, all workers together
    role: ClusterRole | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def is_chief(self) -> bool:
        return self.role is None or self.role.is_chief

    @property
    def label(self) -> str:
        """What the run trained on, for people: "gpu:0", "gpu:0,gpu:1 (mirrored)"."""
        names = ",".join(device.name for device in self.devices)
        if self.kind == "none":
            return names
        if self.kind == "mirrored":
            return f"{names} (mirrored)"
        workers = self.role.num_workers if self.role else 1
        return f"{names} x {workers} workers (multi-worker)"

    def global_batch(self, per_replica: int) -> int:
        return per_replica * self.replicas

    def scope(self) -> contextlib.AbstractContextManager:
        if self.strategy is None:
            import tensorflow as tf

            return tf.device(self.devices[0].tf_name)
        return self.strategy.scope()

    @contextlib.contextmanager
    def fitting(
        self, trainer: Any, callbacks: list[Any], config: TrainingConfig, run_dir: Path
    ) -> Iterator[None]:
        """Around `fit`: under multi-worker, Keras's BackupAndRestore joins `callbacks` and the
        Keras 3.15 workarounds (`tf_workarounds`) hold; a finished fit's backup is removed."""
        if self.kind != "multi-worker":
            yield
            return
        import keras

        from cnnstudio.engine.devices.tf_workarounds import (
            build_from_local_batch,
            multi_worker_scalar_means,
        )

        backup = backup_dir(config, self.role, run_dir)
        callbacks.append(keras.callbacks.BackupAndRestore(str(backup)))
        build_from_local_batch(trainer)
        with multi_worker_scalar_means():
            yield
        # Only after a fit that ended normally: a failed or stopped one keeps its backup.
        shutil.rmtree(backup.parent, ignore_errors=True)

    def describe(self, *, policy: str, xla: bool, batch_size: int) -> dict[str, Any]:
        """run.json's `hardware`: what trained the run and how."""
        data: dict[str, Any] = {
            "strategy": self.kind,
            "devices": [device.to_dict() for device in self.devices],
            "replicas": self.replicas,
            "global_batch_size": self.global_batch(batch_size),
            "mixed_precision": policy,
            "xla": xla,
        }
        if self.role is not None:
            data["cluster"] = {
                "task": self.role.label,
                "workers": self.role.num_workers,
                "source": self.role.source,
            }
        return data


def strategy_kind(config: TrainingConfig) -> str:
    """The config's strategy with `auto` decided: mirrored for several devices, else none."""
    if config.strategy != "auto":
        return config.strategy
    return "mirrored" if len(parse_device_names(config.device)) > 1 else "none"


def prepare(config: TrainingConfig) -> None:
    """What must happen before TensorFlow initialises: memory growth, the logical CPU split,
    and a multi-worker strategy. The CLI calls it before anything else touches TensorFlow."""
    prepare_devices()
    if strategy_kind(config) == "multi-worker":
        multi_worker_strategy()


def place(config: TrainingConfig) -> Placement:
    """The placement `config` asks for. Raises ValueError for devices that are not there."""
    from cnnstudio.engine.devices.devices import list_devices, resolve_devices

    kind = strategy_kind(config)
    prepare(config)
    if kind == "none":
        return Placement("none", resolve_devices(config.device)[:1])
    import tensorflow as tf

    if kind == "multi-worker":
        strategy, role = multi_worker_strategy()
        # The cluster's devices are all listed; this worker's are those of its own task.
        task = f"/job:{role.task_type}/replica:0/task:{role.task_id}/"
        local = [d for d in list_devices() if role.task_type is None or task in d.tf_name]
        devices = _local_devices(local, config.device)
        return Placement(kind, devices, strategy, strategy.num_replicas_in_sync, role)
    devices = _local_devices(list_devices(), config.device)
    strategy = tf.distribute.MirroredStrategy(devices=[device.tf_name for device in devices])
    return Placement(kind, devices, strategy, strategy.num_replicas_in_sync)


def _local_devices(devices: list[Device], name: str) -> list[Device]:
    """The devices named, or for `auto` every GPU, else every (logical) CPU."""
    from cnnstudio.engine.devices.devices import resolve_devices

    if parse_device_names(name) != ["auto"]:
        return resolve_devices(name)
    gpus = [device for device in devices if device.is_gpu]
    return gpus or [device for device in devices if not device.is_gpu]


def cluster_resolver() -> Any:
    """TensorFlow's resolver for this process's cluster: TF_CONFIG, else Slurm where this runs
    inside a Slurm job, else TF_CONFIG's (a cluster of one)."""
    import tensorflow as tf

    resolvers = tf.distribute.cluster_resolver
    if not os.environ.get("TF_CONFIG") and os.environ.get("SLURM_JOB_ID"):
        return resolvers.SlurmClusterResolver()
    return resolvers.TFConfigClusterResolver()


def cluster_role() -> ClusterRole:
    """Which task of the cluster this process is, from TF_CONFIG or Slurm, without starting
    TensorFlow's runtime. A ValueError names what is wrong with TF_CONFIG."""
    text = os.environ.get("TF_CONFIG")
    if text:
        try:
            spec = json.loads(text)
            cluster = spec.get("cluster", {})
            task = spec.get("task", {})
            task_type, task_id = task.get("type"), int(task.get("index", 0))
        except (ValueError, AttributeError, TypeError) as error:
            raise ValueError(
                _("TF_CONFIG is not a TensorFlow cluster description: {error}").format(error=error)
            ) from None
        source = "TF_CONFIG"
    elif os.environ.get("SLURM_JOB_ID"):
        resolver = cluster_resolver()
        cluster = resolver.cluster_spec().as_dict()
        task_type, task_id, source = resolver.task_type, int(resolver.task_id or 0), "Slurm"
    else:
        return ClusterRole(None, 0, 1, True, "none")
    workers = sum(len(cluster.get(kind, [])) for kind in ("chief", "worker")) or 1
    is_chief = task_type in (None, "chief") or (
        task_type == "worker" and task_id == 0 and "chief" not in cluster
    )
    return ClusterRole(task_type, task_id, workers, is_chief, source)


def multi_worker_strategy() -> tuple[Any, ClusterRole]:
    """The process's MultiWorkerMirroredStrategy (made once) and its role in the cluster."""
    if not _multi_worker:
        import tensorflow as tf

        role = cluster_role()
        strategy = tf.distribute.MultiWorkerMirroredStrategy(cluster_resolver=cluster_resolver())
        _multi_worker.update(strategy=strategy, role=role)
    return _multi_worker["strategy"], _multi_worker["role"]


def sharded(pipelines: Pipelines, placement: Placement) -> Pipelines:
    """Pipelines sharded per worker by data (AutoShardPolicy.DATA) under multi-worker."""
    if placement.kind != "multi-worker":
        return pipelines
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return replace(
        pipelines,
        train=pipelines.train.with_options(options),
        validation=pipelines.validation.with_options(options),
    )


def scratch_store_root(config: TrainingConfig) -> Path | None:
    """A new temporary run store for a multi-worker worker that is not the chief (the session
    removes it after its run); None for every other process."""
    if strategy_kind(config) != "multi-worker" or cluster_role().is_chief:
        return None
    return Path(tempfile.mkdtemp(prefix="cnnstudio-worker-"))


def backup_dir(config: TrainingConfig, role: ClusterRole | None, run_dir: Path) -> Path:
    """Where `BackupAndRestore` keeps this worker's backup: the chief in its run folder's
    parent under a name fixed by the config and cluster (so a restarted cluster finds it), the
    other workers in the temporary folder beside it."""
    key = json.dumps({"config": config.to_dict(), "tf_config": os.environ.get("TF_CONFIG")})
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    task = role.label.replace(":", "-") if role else "chief-0"
    base = run_dir.parent if role is None or role.is_chief else Path(tempfile.gettempdir())
    return base / f".backup-{digest}" / task
