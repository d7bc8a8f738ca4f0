"""`civic-supervisor bench`: side-by-side measurements of the supervisor against raw SQL."""
