"""The upstream formats magnet-import reads, one module each: a module in this folder that calls
``registry.register`` is a format (found by :func:`pipeline.intake.formats.registry.formats`)."""
