CREATE TABLE {schema}.river_migration(
  id bigserial PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  version bigint NOT NULL,
  CONSTRAINT version CHECK (version >= 1)
);
CREATE UNIQUE INDEX ON {schema}.river_migration USING btree(version);
