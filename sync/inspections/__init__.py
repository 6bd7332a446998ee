"""Inspection visits, findings followed to closure, and the RRPL estimate of a visit."""
