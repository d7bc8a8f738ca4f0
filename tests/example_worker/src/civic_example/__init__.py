"""An example civic-supervisor worker package (see docs/writing-a-worker.md)."""
