"""Benchmarks of the product against bare libraries (see README.md here)."""
