"""civic-supervisor: River job queues for Civic OS on a fixed connection budget."""

__version__ = "0.1.0"
