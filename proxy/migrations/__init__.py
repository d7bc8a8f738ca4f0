"""River migrations 001-007 (line `main`), written from spec/RIVER.md §1; `__SCHEMA__` is
replaced by the quoted schema and a dot."""
