"""Tracing requests between states, and the regional bodies that route them."""
