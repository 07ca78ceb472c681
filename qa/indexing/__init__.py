"""Building an index generation from a folder of articles: `build_index` plans what changed against the
live generation (`plan`), reads, chunks and embeds the new and changed files (`parts`), writes the new
generation (`writer`) and publishes it (qa.store.generation). `qa index` is incremental: files whose
sha256 is unchanged keep their chunks and vectors, and a run with nothing changed reads only the
manifest and the files' bytes (no model, no torch, no FAISS)."""
