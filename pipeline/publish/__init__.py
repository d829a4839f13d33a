"""Publishing: a complete report set swapped in at once (releases and one symlink), the index and
the data package beside it, and the lock and stop signals that make a build safe to kill."""
