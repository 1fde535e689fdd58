"""MLflow tracking: jobs write records (`journal`), one process publishes them (`store`).

`provenance` holds what every record carries (git sha, settings hash, flat params).
"""
