"""Multi-task models: a shared encoder and one head per task (hard parameter sharing)."""
