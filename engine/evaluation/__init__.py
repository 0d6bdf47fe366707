"""Measuring retrieval quality: pure metrics and the runners behind `qi eval`."""
