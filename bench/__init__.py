"""Benchmark tools: a seeded corpus generator and a side-by-side timing script."""
