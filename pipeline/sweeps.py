"""Sweeps: one report-set entry expanded into one report per value (of a list, or of the data).

``expand_sweeps`` replaces each sweep entry (checked by :mod:`pipeline.reportset`) with its reports;
the values of a sweep over the data are remembered by the hash of their inputs, so that a build
whose inputs did not change loads no data to learn its report names.
"""

from __future__ import annotations

from pathlib import Path

from helpers.errors import BuildError

from .reportset import LATEST, Report, check_name
from . import staleness


def sweep_values(sweep: dict, dataset, as_of: str | None = None) -> list:
    """The values a sweep runs over, resolved against the data (``latest`` = ``as_of`` or the latest month)."""
    over = sweep.get("over")
    if over is None:
        return list(sweep["values"])
    latest = as_of or dataset.latest_month

    def month(key, default=LATEST):
        v = sweep.get(key, default)
        return latest if v == LATEST else v

    if over == "top_destinations":
        from helpers.compare import top_destination_codes

        return top_destination_codes(dataset, month("month"), int(sweep.get("n", 10)))
    if over == "destinations":
        from helpers.params import partners_with_tonnage

        return partners_with_tonnage(dataset)
    from helpers.series import month_range

    return month_range(month("from"), month("to"))


def expand_sweeps(reports: list[Report], dataset=None, as_of: str | None = None,
                  cache: Path | None = None) -> list[Report]:
    """Each sweep entry replaced by one report per value, in place in the list; plain entries kept.

    The name is the entry's name with ``{PARAMETER}`` replaced by the value, lowercased
    (``destinations-{partner}`` -> ``destinations-us``), or the value appended after a
    ``-`` when the name has no placeholder. The data are loaded only when a sweep needs them.
    A name that collides with another report's is an error naming both.

    ``cache`` (a JSON file; the build's is ``reports/.state/sweeps.cache``) keeps the values of
    each sweep over the data, keyed by the hash of everything they are computed from (the data
    files, ``helpers/``, the sweep and ``as_of``: :func:`pipeline.staleness.shared_inputs_hash`),
    so that a build whose inputs did not change loads no data to learn its report names. A
    changed data file or helper changes the key: the values are computed again.
    """
    if not any(r.sweep for r in reports):
        return list(reports)
    cached = _SweepCache(cache) if cache is not None and dataset is None else None
    out: list[Report] = []
    for r in reports:
        if not r.sweep:
            out.append(r)
            continue
        param = r.sweep["parameter"]
        values = cached.get(r.sweep, as_of) if cached is not None else None
        if values is None:
            if dataset is None and r.sweep.get("over") is not None:
                from helpers.data import load_dataset

                dataset = load_dataset()
            values = sweep_values(r.sweep, dataset, as_of)
            if cached is not None:
                cached.put(r.sweep, as_of, values)
        placeholder = "{" + param + "}"
        for v in values:
            text = str(v).lower()
            name = r.name.replace(placeholder, text) if placeholder in r.name else f"{r.name}-{text}"
            check_name(name, f"report '{r.name}' (sweep value {v!r})")
            out.append(Report(name=name, notebook=r.notebook, parameters={**r.parameters, param: v}))
    if cached is not None:
        cached.save()
    seen: dict[str, Report] = {}
    for r in out:
        if r.name in seen:
            raise BuildError(f"report set: two reports are named '{r.name}' once sweeps are expanded; "
                             "rename one (a sweep's name can hold {PARAMETER})")
        seen[r.name] = r
    return out


class _SweepCache:
    """The values of sweeps over the data, keyed by the hash of their inputs (see :func:`expand_sweeps`)."""

    def __init__(self, path: Path):
        import json

        self.path, self.used, self._shared = Path(path), {}, None
        try:
            self.stored = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(self.stored, dict):
                self.stored = {}
        except (OSError, ValueError):
            self.stored = {}

    def _key(self, sweep: dict, as_of: str | None) -> str:
        import hashlib
        import json

        if self._shared is None:
            self._shared = staleness.shared_inputs_hash()
        spec = json.dumps({"sweep": sweep, "as_of": as_of, "inputs": self._shared}, sort_keys=True)
        return hashlib.sha256(spec.encode()).hexdigest()

    def get(self, sweep: dict, as_of: str | None) -> list | None:
        if sweep.get("over") is None:  # a list of values: nothing to remember
            return list(sweep["values"])
        key = self._key(sweep, as_of)
        values = self.stored.get(key)
        if isinstance(values, list):
            self.used[key] = values
            return list(values)
        return None

    def put(self, sweep: dict, as_of: str | None, values: list) -> None:
        if sweep.get("over") is not None and all(isinstance(v, str) for v in values):
            self.used[self._key(sweep, as_of)] = [str(v) for v in values]

    def save(self) -> None:
        """Keep the entries this expansion used (only those), when they changed; a cache that cannot
        be written is no error."""
        import json
        import os

        if self.used == self.stored:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.used, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass
