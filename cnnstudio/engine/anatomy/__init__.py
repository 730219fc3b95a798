"""Anatomy of a model: layer statistics, layer graph and layout, comparison, shipped figures."""
