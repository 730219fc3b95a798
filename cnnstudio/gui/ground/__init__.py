"""The ground the views stand on: the shared context and the preferences."""
