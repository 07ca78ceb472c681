"""What a build did, as the CLI prints it and the HTTP API returns it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa.ingest.document import Skipped


@dataclass(frozen=True)
class BuildReport:
    index_dir: Path
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0
    up_to_date: bool = False
    # added or changed files whose parts an earlier build made before it stopped (not embedded again)
    resumed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        files = len(self.added) + len(self.changed) + len(self.unchanged)
        if self.up_to_date:
            return f"Index {self.index_dir} is up to date: {files} files, {self.chunks} chunks."
        return (
            f"Indexed {files} file{'' if files == 1 else 's'} into {self.index_dir} in {self.seconds:.1f} s: "
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged; {self.chunks} chunks."
            + (f" {len(self.resumed)} files were embedded by an earlier build that stopped." if self.resumed else "")
        )

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the HTTP API's /rebuild answer)."""
        return {
            "summary": self.summary(),
            "index_dir": str(self.index_dir),
            "up_to_date": self.up_to_date,
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": [{"source": s.source, "reason": s.reason} for s in self.skipped],
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
            "resumed": self.resumed,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BuildReport:
        """The report `to_dict` gave (a build in a worker process sends it back so)."""
        return cls(
            Path(d["index_dir"]),
            added=list(d["added"]),
            changed=list(d["changed"]),
            removed=list(d["removed"]),
            unchanged=list(d["unchanged"]),
            skipped=[Skipped(s["source"], s["reason"]) for s in d["skipped"]],
            chunks=int(d["chunks"]),
            seconds=float(d["seconds"]),
            up_to_date=bool(d["up_to_date"]),
            resumed=list(d.get("resumed", [])),
        )
