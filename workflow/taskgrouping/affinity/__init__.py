"""Task affinities: T x T matrices saying which tasks gain from training together."""
