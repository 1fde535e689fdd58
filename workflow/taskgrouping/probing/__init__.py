"""Sample-wise probing of the shared parameters' optimisation landscape."""
