"""scratchnn: neural networks from scratch in NumPy."""
