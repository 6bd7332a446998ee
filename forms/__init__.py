"""Inspection forms: XLSForm sources, their conversion with pyxform, answer rules. No Flask."""
