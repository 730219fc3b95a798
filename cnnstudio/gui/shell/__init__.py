"""The shell: the main window that composes the views, the engine loaded behind it, the error
report and the platform check. Views never import it: what they share is in `gui/ground`."""
