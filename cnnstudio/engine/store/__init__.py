"""Run store: run folders, schema, locks, liveness, atomic files, checkpoints, model files."""
