"""The cross-dataset benchmark: plan, statistics, figures."""
