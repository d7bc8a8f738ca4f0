"""The connection sampler under the import path the supervisor tests use."""

from supervisor.benchmark.resources import ConnectionSampler

__all__ = ["ConnectionSampler"]
