-- Opt-in (`civic-supervisor migrate --notify-trigger`): jobs inserted by plain SQL (Civic OS
-- triggers) send no NOTIFY and wait for the poll. This statement-level trigger sends River's
-- insert notification once per statement and queue -- not per row, so a 10,000-row INSERT
-- costs one DISTINCT over its transition table and one pg_notify per queue. Only jobs that are
-- available now wake anyone; scheduled jobs are the scheduler's business.
-- {schema} is the quoted schema name; the channel, "<schema>.river_insert", is built from the
-- schema of the table that fired the trigger.

CREATE OR REPLACE FUNCTION {schema}.civic_river_insert_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    q text;
BEGIN
    FOR q IN
        SELECT DISTINCT queue FROM civic_new_jobs
        WHERE state = 'available' AND scheduled_at <= now()
    LOOP
        PERFORM pg_notify(TG_TABLE_SCHEMA || '.river_insert', jsonb_build_object('queue', q)::text);
    END LOOP;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS civic_river_insert_notify ON {schema}.river_job;

CREATE TRIGGER civic_river_insert_notify
    AFTER INSERT ON {schema}.river_job
    REFERENCING NEW TABLE AS civic_new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION {schema}.civic_river_insert_notify();
