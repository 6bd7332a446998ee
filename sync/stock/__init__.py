"""The books: master records (item types, lots, crates, weapons), the hash-chained movement
ledger, counts against the book, discrepancies, hazard classification."""
