"""Training: config and validation, recipe, session, callbacks, run records and resume."""
