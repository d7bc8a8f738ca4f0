"""River's migrations 001-007 (line `main`), as River's own; `{schema}` is the quoted schema
name (supervisor.river.sql.render)."""
