"""Crate labels: IDs and their check character, the registry, scans, sheet layouts, what a
print order chooses, and the PDF."""
