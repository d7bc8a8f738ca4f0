-- Civic OS file storage as the presign and thumbnail workers see it (upload requests, files
-- and the users table `files` references). For a fresh database
-- that already holds River's tables in schema `metadata`; the RPCs are simplified (no
-- permission checks) but keep the Civic OS signatures the frontend calls.

CREATE SCHEMA IF NOT EXISTS metadata;

-- UUIDv7 from gen_random_uuid() (built in since PostgreSQL 13): 48-bit Unix milliseconds,
-- then the random bits of a v4 UUID with the version nibble turned from 4 into 7.
CREATE OR REPLACE FUNCTION public.uuid_generate_v7() RETURNS uuid
LANGUAGE sql VOLATILE AS $$
  SELECT encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
              PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
              FROM 1 FOR 6),
      52, 1), 53, 1),
    'hex')::uuid
$$;

CREATE TABLE IF NOT EXISTS metadata.civic_os_users (
  id uuid PRIMARY KEY,
  display_name text NOT NULL,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now()
);

CREATE TABLE metadata.file_upload_requests (
  id uuid PRIMARY KEY DEFAULT public.uuid_generate_v7(),
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  file_name text NOT NULL,
  file_type text NOT NULL,
  status text DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  presigned_url text,
  s3_key text,
  file_id uuid,
  error_message text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION public.insert_s3_presign_job() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = metadata, public AS $$
BEGIN
  INSERT INTO metadata.river_job (kind, args, queue, priority, max_attempts)
  VALUES ('s3_presign',
          jsonb_build_object('request_id', NEW.id::text, 'file_name', NEW.file_name,
                             'file_type', NEW.file_type, 'entity_type', NEW.entity_type,
                             'entity_id', NEW.entity_id::text),
          's3_signer', 1, 25);
  RETURN NEW;
END
$$;

CREATE TRIGGER insert_s3_presign_job_trigger
  AFTER INSERT ON metadata.file_upload_requests
  FOR EACH ROW EXECUTE FUNCTION public.insert_s3_presign_job();

CREATE TABLE metadata.files (
  id uuid PRIMARY KEY DEFAULT public.uuid_generate_v7(),
  entity_type text NOT NULL,
  entity_id text NOT NULL,
  file_name text NOT NULL,
  file_type text NOT NULL,
  file_size integer NOT NULL,
  s3_key_prefix text GENERATED ALWAYS AS (entity_type || '/' || entity_id || '/' || id) STORED,
  s3_original_key text NOT NULL,
  s3_thumbnail_small_key text,
  s3_thumbnail_medium_key text,
  s3_thumbnail_large_key text,
  thumbnail_status text DEFAULT 'pending'
    CHECK (thumbnail_status IN ('pending', 'processing', 'completed', 'failed', 'not_applicable')),
  thumbnail_error text,
  created_by uuid REFERENCES metadata.civic_os_users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  s3_bucket varchar(255) NOT NULL DEFAULT 'civic-os-files',
  property_name text
);

-- v0-10-8 body: only rows that still need a thumbnail get a job; there is no UPDATE trigger.
CREATE FUNCTION public.insert_thumbnail_job() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = metadata, public AS $$
BEGIN
  IF NEW.thumbnail_status = 'pending' THEN
    INSERT INTO metadata.river_job (kind, args, queue, priority, max_attempts)
    VALUES ('thumbnail_generate', jsonb_build_object('file_id', NEW.id::text), 'thumbnails', 1, 25);
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER insert_thumbnail_job_trigger
  AFTER INSERT ON metadata.files
  FOR EACH ROW EXECUTE FUNCTION public.insert_thumbnail_job();

-- The RPCs the frontend calls around an upload (simplified: no permission checks, no legacy
-- pg_notify).
CREATE FUNCTION public.request_upload_url(p_entity_type text, p_entity_id text,
                                          p_file_name text, p_file_type text) RETURNS uuid
LANGUAGE sql SECURITY DEFINER SET search_path = metadata, public AS $$
  INSERT INTO metadata.file_upload_requests (entity_type, entity_id, file_name, file_type)
  VALUES (p_entity_type, p_entity_id, p_file_name, p_file_type)
  RETURNING id
$$;

CREATE FUNCTION public.get_upload_url(p_request_id uuid)
RETURNS TABLE (status text, url text, file_id uuid, error text)
LANGUAGE sql SECURITY DEFINER SET search_path = metadata, public AS $$
  SELECT r.status, r.presigned_url, r.file_id, r.error_message
  FROM metadata.file_upload_requests r WHERE r.id = p_request_id
$$;

CREATE FUNCTION public.create_file_record(
  p_id uuid, p_entity_type text, p_entity_id text, p_file_name text, p_file_type text,
  p_file_size integer, p_s3_bucket text, p_s3_original_key text,
  p_thumbnail_status text DEFAULT 'not_applicable', p_property_name text DEFAULT NULL
) RETURNS uuid
LANGUAGE sql SECURITY DEFINER SET search_path = metadata, public AS $$
  INSERT INTO metadata.files (id, entity_type, entity_id, file_name, file_type, file_size,
                              s3_bucket, s3_original_key, thumbnail_status, property_name)
  VALUES (p_id, p_entity_type, p_entity_id, p_file_name, p_file_type, p_file_size,
          p_s3_bucket, p_s3_original_key, p_thumbnail_status, p_property_name)
  RETURNING id
$$;
