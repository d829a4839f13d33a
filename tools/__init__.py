"""Maintenance scripts for the project's environment (not part of the installed package)."""
