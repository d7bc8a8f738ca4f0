-- Scheduled jobs (Civic OS v0-22-0-add-scheduled-jobs, never altered later) and draft photo
-- galleries (v0-47-0-add-photo-gallery). Needs files.sql (metadata.files, uuid_generate_v7).
-- Only the owner writes scheduled_jobs; the functions they name run as the worker's role.

CREATE TABLE metadata.scheduled_jobs (
  id serial PRIMARY KEY,
  name varchar(100) NOT NULL UNIQUE,
  description text,
  function_name varchar(200) NOT NULL,
  schedule varchar(100) NOT NULL,
  timezone varchar(100) NOT NULL DEFAULT 'UTC',
  enabled boolean NOT NULL DEFAULT true,
  last_run_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE metadata.scheduled_job_runs (
  id bigserial PRIMARY KEY,
  job_id integer NOT NULL REFERENCES metadata.scheduled_jobs (id) ON DELETE CASCADE,
  started_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  duration_ms integer,
  success boolean,
  message text,
  details jsonb,
  scheduled_for timestamptz,
  triggered_by varchar(50) NOT NULL DEFAULT 'scheduler'
);
CREATE INDEX idx_scheduled_job_runs_job ON metadata.scheduled_job_runs (job_id, started_at DESC);

-- What the admin page reads: the latest run of every job and its success rate.
CREATE VIEW public.scheduled_job_status AS
SELECT j.id, j.name, j.description, j.function_name, j.schedule, j.timezone, j.enabled,
       j.last_run_at, r.success AS last_run_success, r.message AS last_run_message,
       r.duration_ms AS last_run_duration_ms,
       (SELECT count(*) FROM metadata.scheduled_job_runs x
         WHERE x.job_id = j.id AND x.started_at > now() - interval '7 days') AS runs_last_7_days,
       (SELECT round(100.0 * count(*) FILTER (WHERE x.success) / nullif(count(*), 0), 1)
          FROM metadata.scheduled_job_runs x
         WHERE x.job_id = j.id AND x.started_at > now() - interval '7 days') AS success_rate_percent
FROM metadata.scheduled_jobs j
LEFT JOIN LATERAL (SELECT * FROM metadata.scheduled_job_runs x WHERE x.job_id = j.id
                   ORDER BY x.started_at DESC LIMIT 1) r ON true;

-- The manual trigger: runs the function at once, as the page's "Run now" does. The name is
-- quoted with %I, so a schema-qualified name fails here and works in the worker.
CREATE FUNCTION public.trigger_scheduled_job(p_job_name varchar) RETURNS json
LANGUAGE plpgsql SECURITY DEFINER SET search_path = metadata, public AS $$
DECLARE
  v_job metadata.scheduled_jobs;
  v_run bigint;
  v_start timestamptz := clock_timestamp();
  v_result jsonb;
BEGIN
  SELECT * INTO v_job FROM metadata.scheduled_jobs WHERE name = p_job_name;
  IF NOT FOUND THEN
    RETURN json_build_object('success', false, 'message', 'Job not found: ' || p_job_name);
  END IF;
  INSERT INTO metadata.scheduled_job_runs (job_id, started_at, triggered_by)
  VALUES (v_job.id, v_start, 'manual') RETURNING id INTO v_run;
  EXECUTE format('SELECT %I()', v_job.function_name) INTO v_result;
  UPDATE metadata.scheduled_job_runs
     SET completed_at = clock_timestamp(),
         duration_ms = (extract(epoch FROM clock_timestamp() - v_start) * 1000)::int,
         success = COALESCE((v_result->>'success')::boolean, true),
         message = v_result->>'message', details = v_result
   WHERE id = v_run;
  UPDATE metadata.scheduled_jobs SET last_run_at = v_start, updated_at = now() WHERE id = v_job.id;
  RETURN json_build_object('success', true, 'run_id', v_run, 'result', v_result);
END $$;

CREATE TABLE metadata.photo_galleries (
  id uuid PRIMARY KEY DEFAULT public.uuid_generate_v7(),
  entity_type name NOT NULL,
  entity_id text,
  property_name name NOT NULL,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE metadata.photo_gallery_files (
  gallery_id uuid NOT NULL REFERENCES metadata.photo_galleries (id) ON DELETE CASCADE,
  file_id uuid NOT NULL REFERENCES metadata.files (id) ON DELETE CASCADE,
  sort_order integer NOT NULL DEFAULT 0,
  caption text,
  alt_text text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (gallery_id, file_id)
);

-- Drafts (no entity yet) untouched for 12 hours; their files stay (Civic OS's behaviour).
CREATE FUNCTION metadata.cleanup_draft_galleries() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = metadata, public AS $$
DECLARE
  v_count integer;
BEGIN
  WITH gone AS (
    DELETE FROM metadata.photo_galleries
     WHERE entity_id IS NULL AND updated_at < now() - interval '12 hours'
    RETURNING id
  )
  SELECT count(*) INTO v_count FROM gone;
  RETURN v_count;
END $$;
REVOKE EXECUTE ON FUNCTION metadata.cleanup_draft_galleries() FROM PUBLIC;
