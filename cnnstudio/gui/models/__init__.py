"""The models view: the zoo by family, a card per model, its options, parameters and MACs."""
