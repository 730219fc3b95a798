"""Insight: evaluation figures, explanations (Grad-CAM, saliency) and receptive fields."""
