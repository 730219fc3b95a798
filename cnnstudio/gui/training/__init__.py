"""The training view: the hyperparameter form, the run on a worker thread, live progress."""
