"""The insight views: evaluating a trained model and explaining what it does."""
