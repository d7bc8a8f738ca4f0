"""Side-by-side benchmarks: `python -m benchmarks.thumbnails`, `python -m benchmarks.peers`."""
