"""The bundled seeds: ingested once, on the first start of an empty store, and pinned (retention keeps them),
so the bot knows about Flynn from its very first start, offline."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from pathlib import Path

from bot.core.times import iso
from bot.sources.files import discover, read_file
from bot.services.intake import IngestReport, Intake

SEEDED = "seeded"


def seeds_dir() -> Path:
    return Path(str(resources.files("seeds")))


def ensure_seeded(intake: Intake, now: datetime) -> IngestReport | None:
    """Ingest the seeds if this store never has; returns the report, or None when already done."""
    engine = intake.library.engine
    state = engine.state
    if engine.readonly or state.get_meta(SEEDED):
        return None
    paths, _ = discover([seeds_dir()])
    raws = [a for p in paths for a in read_file(p).articles]
    report = intake.add(raws, now, pinned=True)
    state.set_meta(SEEDED, {"at": iso(now), "articles": len(report.stored)})
    return report
