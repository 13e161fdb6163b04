"""Benchmarks; a package so the scripts can share helpers (bench/external_data.py)."""
