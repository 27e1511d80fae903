"""Watched folders: sensor files dropped in a folder are ingested, then moved out of it.

A file that was ingested (or had been before: same content) goes to ``done/`` beside it, one
that could not be read to ``failed/``; so a folder holds only what is still to do, and a
restarted scheduler neither loses nor re-reads a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from twin._errors import ConflictError, TwinError
from twin.sensors import IngestReport, ingest_files

__all__ = ["FEED_SUFFIXES", "FolderIngest", "ingest_folder", "pending_files"]

FEED_SUFFIXES = (".csv", ".json")


@dataclass(frozen=True, slots=True)
class FolderIngest:
    """What one look at a folder did."""

    folder: Path
    reports: tuple[IngestReport, ...]
    failed: tuple[tuple[str, str], ...]  # (file name, why)

    @property
    def new_batches(self) -> set[int]:
        """The batches that added readings."""
        return {r.batch_id for r in self.reports if not r.already_ingested and r.added}


def pending_files(folder: Path) -> list[Path]:
    """The feed files waiting in ``folder`` (by name: feeds named by time come in order)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in FEED_SUFFIXES)


def _move(path: Path, into: str) -> Path:
    target_dir = path.parent / into
    target_dir.mkdir(exist_ok=True)
    target = target_dir / path.name
    n = 1
    while target.exists():
        target = target_dir / f"{path.stem}.{n}{path.suffix}"
        n += 1
    return path.replace(target)


def ingest_folder(
    engine: Engine,
    folder: Path,
    *,
    now: datetime,
    stations: Mapping[str, str] | None = None,
) -> FolderIngest:
    """Ingest every file waiting in ``folder``, one at a time, and move each out of it.

    Parameters
    ----------
    engine
        The twin's database.
    folder
        The watched folder.
    now
        Time of the ingest (the scheduler's clock; QC flags readings later than it).
    stations
        Station id -> kind (default: Huế's).
    """
    reports: list[IngestReport] = []
    failed: list[tuple[str, str]] = []
    for path in pending_files(folder):
        try:
            reports += ingest_files(engine, [path], stations=stations, now=now)
        except ConflictError:
            continue  # another writer stored it at the same moment: look again next time
        except TwinError as exc:
            failed.append((path.name, str(exc)))
            _move(path, "failed")
            continue
        _move(path, "done")
    return FolderIngest(folder, tuple(reports), tuple(failed))
