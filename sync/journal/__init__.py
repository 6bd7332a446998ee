"""The journal: the change log phones pull, the hash-chained audit trail, and restricted
data (serial lists) with the audit of every read."""
