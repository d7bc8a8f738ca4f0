"""`civic-supervisor bench`: side-by-side throughput, latency, connection and memory figures.

Absolute numbers drift on shared machines, so every figure that matters is compared with a
ceiling measured in the same run (`--raw`: the same SQL with no proxy in between).
"""
