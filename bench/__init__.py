"""The benchmark suite: make bench (docs/performance.md). Never part of make test."""
