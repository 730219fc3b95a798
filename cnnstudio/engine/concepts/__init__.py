"""Small computations behind the Concepts view: arithmetic, statistics, gradients."""
