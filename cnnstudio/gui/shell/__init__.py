"""The shell: the main window that composes the views, the shared context, preferences, and the
engine loaded behind the window."""
