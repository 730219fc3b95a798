"""The evaluate view: figures, confusion matrix, galleries and curves of a run's evaluation."""
