"""Groupers by name: each turns tasks (and, for some, a similarity matrix) into k groups."""
