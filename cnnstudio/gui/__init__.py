"""The desktop app (PySide6). The only package that imports Qt; it reaches TensorFlow only through
engine objects.

`app.run_app` is the entry point (the `cnnstudio` command with no sub-command). One sub-package
per view (`models`, `data`, `training`, `runs`), the `shell` that composes them (main window,
context, settings, engine loader), and `widgets` that several views share (charts, formatting).
"""
