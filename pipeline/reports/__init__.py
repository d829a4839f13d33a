"""The report set: ``reports.yaml`` read and its sweeps expanded, each report's parameters and
edition, the stages a build goes through, and which reports are stale (hashed from content)."""
