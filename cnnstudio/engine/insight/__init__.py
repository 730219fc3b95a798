"""Insight: evaluation figures, explanations (Grad-CAM, saliency, occlusion) and receptive fields."""
