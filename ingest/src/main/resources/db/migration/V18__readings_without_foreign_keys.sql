-- Outfall storage, version 18: the readings' foreign keys give way to a cheaper rule that keeps the
-- same promise, that no reading names a station or parameter that does not exist.
--
-- A foreign key checks every inserted reading against stations and parameters (a row lock on each
-- referenced row, per reading): timed with pgbench on a tick of 2,000 readings, 12 of the 27 ms of the
-- plain insert (docs/performance.md). The writer only ever writes ids it has just read from these
-- tables in the same transaction (StationDirectory, the parameter catalog); what a foreign key adds
-- beyond that is that a referenced row cannot go away. That is now the rule for the two tables
-- themselves: their rows are never deleted and their ids never change, which the triggers below
-- refuse, once per statement instead of once per reading. The aggregates keep theirs (one row per
-- station, parameter and hour, not per reading).
ALTER TABLE readings DROP CONSTRAINT IF EXISTS readings_station_id_fkey;
ALTER TABLE readings DROP CONSTRAINT IF EXISTS readings_parameter_id_fkey;

CREATE FUNCTION outfall_kept_for_ever() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are kept for ever: readings name them by id', TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER stations_kept BEFORE DELETE ON stations
  FOR EACH STATEMENT EXECUTE FUNCTION outfall_kept_for_ever();
CREATE TRIGGER stations_kept_truncate BEFORE TRUNCATE ON stations
  FOR EACH STATEMENT EXECUTE FUNCTION outfall_kept_for_ever();
CREATE TRIGGER stations_id_kept BEFORE UPDATE OF id ON stations
  FOR EACH STATEMENT EXECUTE FUNCTION outfall_kept_for_ever();
CREATE TRIGGER parameters_kept BEFORE DELETE ON parameters
  FOR EACH STATEMENT EXECUTE FUNCTION outfall_kept_for_ever();
CREATE TRIGGER parameters_kept_truncate BEFORE TRUNCATE ON parameters
  FOR EACH STATEMENT EXECUTE FUNCTION outfall_kept_for_ever();
CREATE TRIGGER parameters_id_kept BEFORE UPDATE OF id ON parameters
  FOR EACH STATEMENT EXECUTE FUNCTION outfall_kept_for_ever();
