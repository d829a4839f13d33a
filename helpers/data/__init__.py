"""The data on file: each table read and validated, the dataset loaded whole (reads only),
and the one kill-safe writer of ``data/``, with the partners and text patterns every file is checked against."""
