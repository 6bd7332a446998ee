"""The sync and inventory rules. No Flask here: functions take a session and plain values."""
