"""Completed forms from every door: submissions (the one entry), OpenRosa's decision table,
ODK entity blocks as engine ops, and the entity lists Collect downloads."""
