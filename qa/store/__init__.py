"""The index on disk: one folder per generation, published atomically, checked on load.

Layout under the index folder (default `embeddings/`)::

    CURRENT            the name of the live generation; replaced with one atomic os.replace
    gen-*/             manifest.json, index.faiss, chunks.npy, documents.jsonl, texts.utf8,
                       sentences.npy, sentence_vectors.npy, sentence_scales.npy, bm25/
    .lock              held by the one `qa index` that may write

A sharded generation (`qa index --shards N`) holds its manifest and one folder per shard, each laid
out like a generation (`shards`).

Each part saves and reads its own files: `layout` (file names, the manifest and its checks),
`generation` (lock, fsync, publish), `texts` (the documents and their text store), `tables` (passages
and sentences as integer tables), `codes6` (the sentence vectors' 6-bit codes), `vectors` (the FAISS
passage index), `lexical` (BM25), `reader` (a verified generation loaded for questions), `search` (a
question's candidate stage, the same over one generation or many), `shards` (a sharded generation:
layout, checks, the joined view the engine reads) and `ray_shards` (shards held by Ray actors).
Building a generation is `qa.indexing`.
"""
