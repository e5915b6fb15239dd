"""Reporters only format: they receive a finished run and return text."""
