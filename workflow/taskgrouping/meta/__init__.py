"""Gradient-based meta-learning as an evaluation protocol: MAML, first-order MAML, Reptile."""
