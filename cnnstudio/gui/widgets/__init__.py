"""What several views share: the training chart and its data, number formatting."""
