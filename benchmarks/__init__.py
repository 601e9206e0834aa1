"""Benchmarks: scripts that print figures (run: python benchmarks/NAME.py)."""
