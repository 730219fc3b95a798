"""A trained model at work: inference, the pad's preprocessing and recognizer, export."""
