"""Changing files safely: several files as one crash-safe edit."""
