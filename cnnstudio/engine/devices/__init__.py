"""Devices: what TensorFlow can train on, mixed precision and XLA, distribution strategies."""
