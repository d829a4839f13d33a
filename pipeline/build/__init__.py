"""``magnet-build``: run each stale report's notebook in a worker (papermill, warm kernels),
after pre-flight checks, and hand the results to publishing; also re-executes the committed notebooks."""
