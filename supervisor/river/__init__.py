"""River's side of the database: every statement civic-supervisor runs on River's schema
(sql.py), the job states (states.py), River's migrations and the opt-in insert trigger."""
