"""Pipeline stages, one module per CLI verb: read inputs, compute, write outputs, log."""
