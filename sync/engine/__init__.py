"""The sync engine: a pushed batch (ingest, ops), the three-way merge, conflicts, what phones
pull (changes), and the crate as phones see it."""
