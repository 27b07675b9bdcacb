-- Turn readings into a hypertable when TimescaleDB is installed and preloaded; stay a plain table
-- otherwise. Only Apache-2 features are used (hypertables, time_bucket), so the build that
-- distributions ship is enough. Lacking the privilege to create the extension is not an error:
-- the server runs on plain PostgreSQL and says so in /api/health.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
     AND coalesce(current_setting('shared_preload_libraries', true), '') LIKE '%timescaledb%' THEN
    BEGIN
      CREATE EXTENSION IF NOT EXISTS timescaledb;
      PERFORM create_hypertable('readings', 'ts',
                                chunk_time_interval => interval '7 days',
                                migrate_data => true);
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE WARNING 'timescaledb is available but cannot be created by %: readings stay a plain table',
        current_user;
    END;
  END IF;
END
$$;
