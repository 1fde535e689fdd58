"""Datasets by name: features, task labels and a seeded train/val/test split."""
