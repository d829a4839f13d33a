"""Publishing: a complete report replaces the published one atomically; the index lists them.

The index page is rendered from a Jinja template (``templates/site-index.html.j2``) like
the reports themselves.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

from helpers import paths

from pipeline.render.convert import TEMPLATES
from pipeline.reports.reportset import NAME_RE, Report
from pipeline.reports.staleness import read_state

#: Files published per report, in publishing order (HTML last: it is what people open).
PUBLISHED = ("ipynb", "facts.json", "card.json", "log", "pdf", "html")
#: The index page's template (in :data:`pipeline.render.convert.TEMPLATES`).
INDEX_TEMPLATE = "site-index.html.j2"
#: The technical page (parameters, commits, checksums, notebooks, logs) and its template.
TECHNICAL_PAGE, TECHNICAL_TEMPLATE = "technical.html", "site-technical.html.j2"
#: The Atom feed of editions, and its history (one entry per edition ever published here).
FEED, FEED_HISTORY = "feed.xml", "feed.history"   # not .json: a .state/*.json is a report's state
FEED_ID = "tag:magnet-exports,2025:reports"
FEED_LIMIT = 100


def write_atomic(path: Path, text: str) -> None:
    """Text written whole or not at all (the project's one atomic writer, :func:`helpers.data.writing.atomic_write`)."""
    from helpers.data.writing import atomic_write

    atomic_write(path, text.encode("utf-8"))


def publish(name: str, staging: Path, out_dir: Path, state: dict) -> None:
    """Move a complete report from staging over the published one, then record its state."""
    from pipeline.reports import stages

    publish_data_dir(name, staging, out_dir)   # before the HTML that links to it
    for ext in PUBLISHED:
        os.replace(staging / f"{name}.{ext}", out_dir / f"{name}.{ext}")
        stages.stage("publishing")  # (test hook) a stop between two files of one report
    (out_dir / ".state").mkdir(exist_ok=True)
    write_atomic(out_dir / ".state" / f"{name}.json", json.dumps(state, indent=1, sort_keys=True))
    (out_dir / ".state" / f"{name}.failed.log").unlink(missing_ok=True)


def publish_data_dir(name: str, staging: Path, out_dir: Path) -> None:
    """Swap the report's CSV folder (``NAME.data/``) in: the new one renamed over, the old one removed."""
    import shutil

    from pipeline.render.bulletin import data_dir_name

    new, target = staging / data_dir_name(name), out_dir / data_dir_name(name)
    if not new.is_dir():
        shutil.rmtree(target, ignore_errors=True)
        return
    old = out_dir / f".{data_dir_name(name)}.{os.getpid()}.old"
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def published_names(out_dir: Path) -> list[str]:
    """Every report published in ``out_dir``: a state file (``.state/NAME.json``) and its HTML."""
    state_dir = out_dir / ".state"
    if not state_dir.is_dir():
        return []
    names = [p.name[: -len(".json")] for p in state_dir.glob("*.json")]
    return sorted(n for n in names if NAME_RE.match(n) and (out_dir / f"{n}.html").is_file())


def recorded_names(out_dir: Path) -> list[str]:
    """Every report ``out_dir`` holds anything of: state, failed log (published or not)."""
    state_dir = out_dir / ".state"
    if not state_dir.is_dir():
        return []
    names = {p.name[: -len(".json")] for p in state_dir.glob("*.json")}
    names |= {p.name[: -len(".failed.log")] for p in state_dir.glob("*.failed.log")}
    return sorted(n for n in names if NAME_RE.match(n))


def index_entries(reports: list[Report] | None, out_dir: Path) -> list[dict]:
    """What the index shows of each report published in ``out_dir``, read from its own state.

    The index lists what is published, whichever report set built last: ``reports``
    only orders it (the set's order first, then the others by name).
    """
    rank = {r.name: i for i, r in enumerate(reports or [])}
    rows = []
    for name in sorted(published_names(out_dir), key=lambda n: (rank.get(n, len(rank)), n)):
        state = read_state(out_dir, name)
        if not state:
            continue
        card = read_card(out_dir, name)
        rows.append({"name": name, "title": state.get("title", name), "edition": state.get("edition", ""),
                     "news": state.get("news", ""), "parameters": state.get("parameters", {}),
                     "built": state.get("built", "?"), "notebook": state.get("notebook", ""),
                     "commit": state.get("commit", "?"), "data_checksum": str(state.get("data_checksum", "?")),
                     "headline": card.get("headline", ""), "freshness": card.get("freshness", ""), "audience": card.get("audience", ""),
                     "as_of": card.get("as_of") or str(state.get("parameters", {}).get("as_of", "")),
                     "data": (out_dir / f"{name}.data" / "index.html").is_file()})
    # newest first: the month an edition covers, then the set's order
    rows.sort(key=lambda r: r["as_of"] or "", reverse=True)
    return rows


def read_card(out_dir: Path, name: str) -> dict:
    """What a report's own page says of it first (``NAME.card.json``: headline, main points, audience)."""
    try:
        return json.loads((out_dir / f"{name}.card.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def index_html(reports: list[Report] | None, out_dir: Path) -> str:
    """The index page (``templates/site-index.html.j2``): every published report with its edition and build."""
    return _render_index(index_entries(reports, out_dir))


def _render_index(entries: list[dict], template: str = INDEX_TEMPLATE) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             keep_trailing_newline=True)
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}
    return env.get_template(template).render(reports=entries,
                                             has_data_package=bool(entries) and entries[0].get("package", False))


def _index_key(entries: list[dict]) -> str:
    """Everything the index page is made from: its entries, its template, and the environment's lock
    (Jinja's version)."""
    from pipeline.render.provenance import lock_file

    h = hashlib.sha256(b"magnet index 2\0")
    for t in (INDEX_TEMPLATE, TECHNICAL_TEMPLATE):
        h.update((TEMPLATES / t).read_bytes() + b"\0")
    h.update(Path(__file__).read_bytes() + b"\0")   # the feed's writer
    lock = lock_file()
    h.update((lock.read_bytes() if lock else b"no lock") + b"\0" + sys.version.encode() + b"\0")
    h.update(json.dumps(entries, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


def unlisted(reports: list[Report], out_dir: Path) -> list[str]:
    """Reports published in ``out_dir`` (a state) that are not in the set ``reports`` (a failed log of a
    report never published is not a published report)."""
    names = {r.name for r in reports}
    state_dir = out_dir / ".state"
    published = sorted(p.name[: -len(".json")] for p in state_dir.glob("*.json")) if state_dir.is_dir() else []
    return [n for n in published if NAME_RE.match(n) and n not in names]


def prune(reports: list[Report], out_dir: Path) -> list[str]:
    """Remove every report not in ``reports``: its files, its state and its failed log. Returns the names
    of the published reports removed."""
    gone = unlisted(reports, out_dir)
    names = {r.name for r in reports}
    for name in gone + [n for n in recorded_names(out_dir) if n not in names and n not in gone]:
        for ext in reversed(PUBLISHED):  # HTML first: what people open goes before what it links
            (out_dir / f"{name}.{ext}").unlink(missing_ok=True)
        import shutil

        shutil.rmtree(out_dir / f"{name}.data", ignore_errors=True)
        (out_dir / ".state" / f"{name}.json").unlink(missing_ok=True)
        (out_dir / ".state" / f"{name}.failed.log").unlink(missing_ok=True)
    return gone


def write_index(reports: list[Report] | None, out_dir: Path) -> Path:
    """Write ``index.html`` listing every published report (atomically, and only when it changed).

    The page is a function of its entries and its template: ``.state/index.key`` records the hash of
    both and of the page written from them, so a build that changed neither (a no-op build) checks the
    page's bytes instead of rendering it again.
    """
    target = out_dir / "index.html"
    entries = index_entries(reports, out_dir)
    package = (out_dir / "data" / "datapackage.json").is_file()
    for e in entries:
        e["package"] = package
    key = _index_key(entries)
    stamp = out_dir / ".state" / "index.key"
    try:
        if (stamp.read_text(encoding="utf-8") == f"{key} {hashlib.sha256(target.read_bytes()).hexdigest()}"
                and (out_dir / TECHNICAL_PAGE).is_file() and (out_dir / FEED).is_file()):
            return target
    except OSError:
        pass
    text = _render_index(entries)
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        write_atomic(target, text)
    technical = _render_index(entries, TECHNICAL_TEMPLATE)
    if not (out_dir / TECHNICAL_PAGE).is_file() or (out_dir / TECHNICAL_PAGE).read_text(encoding="utf-8") != technical:
        write_atomic(out_dir / TECHNICAL_PAGE, technical)
    write_feed(entries, out_dir)
    if stamp.parent.is_dir():
        write_atomic(stamp, f"{key} {hashlib.sha256(text.encode('utf-8')).hexdigest()}")
    return target


def write_feed(entries: list[dict], out_dir: Path) -> Path:
    """``feed.xml``: an Atom feed with one entry per edition published here, newest first, each with its
    headline and what is new; the history of editions is kept in ``.state/feed.json``."""
    target = out_dir / FEED
    history_path = out_dir / ".state" / FEED_HISTORY
    try:
        history = json.loads(history_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        history = []
    seen = {h["id"] for h in history}
    added = False
    for e in entries:
        edition = re.sub(r"[^A-Za-z0-9]+", "-", e["edition"] or e["built"]).strip("-").lower()
        entry_id = f"{FEED_ID}:{e['name']}:{edition}:{e['data_checksum'][:12]}"
        if entry_id in seen:
            continue
        history.append({"id": entry_id, "name": e["name"], "title": e["title"], "edition": e["edition"],
                        "headline": e.get("headline", ""), "news": e.get("news", ""), "built": e["built"],
                        "audience": e.get("audience", "")})
        added = True
    history = sorted(history, key=lambda h: (h["built"], h["id"]))[-FEED_LIMIT:]
    if not added and target.is_file():
        return target
    from feedgen.feed import FeedGenerator

    def when(built: str) -> str:   # "2026-11-29 00:52 UTC" -> RFC 3339
        return built.replace(" UTC", ":00+00:00").replace(" ", "T") if built and built != "?" else \
            "1970-01-01T00:00:00+00:00"

    fg = FeedGenerator()
    fg.id(FEED_ID)
    fg.title("China's rare-earth magnet exports: editions")
    fg.subtitle("Each new edition of the reports, with its headline and what is new since the last one.")
    fg.link(href="index.html", rel="alternate")
    fg.link(href=FEED, rel="self")
    fg.author({"name": "magnet-exports"})
    fg.language("en")
    fg.updated(when(max((h["built"] for h in history), default="")))
    for h in history:   # feedgen puts the last added first
        fe = fg.add_entry()
        fe.id(h["id"])
        fe.title(f"{h['title']} — {h['edition']}" if h["edition"] else h["title"])
        fe.link(href=f"{h['name']}.html", rel="alternate")
        fe.updated(when(h["built"]))
        # what is new, not boilerplate: a first edition's summary is its headline
        news = "" if h["news"] in ("", "First edition.") else h["news"]
        fe.summary(" ".join(x for x in (h["headline"], news) if x) or h["title"])
    text = fg.atom_str(pretty=True).decode("utf-8")
    write_atomic(target, text)
    if history_path.parent.is_dir():
        write_atomic(history_path, json.dumps(history, indent=1, ensure_ascii=False))
    return target


def git_commit() -> str:
    """The short commit of the project, ``+dirty`` when tracked files changed; ``unknown`` outside git."""
    import subprocess

    try:
        rev = subprocess.run(["git", "-C", str(paths.ROOT), "rev-parse", "--short=12", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        if rev.returncode:
            return "unknown"
        dirty = subprocess.run(["git", "-C", str(paths.ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# --------------------------------------------------------------------------- the build
