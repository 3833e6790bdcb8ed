"""Generate from Text: PyTorch reference model, training and export."""
