"""The bench child: synthetic job kinds for tests and benchmarks (disabled by default)."""
