package io.outfall.ingest.dashboards;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;

/** Lets storage tests check the overview's completeness arithmetic against the raw readings. */
public final class OverviewProbe {
  private OverviewProbe() {}

  /** {0: day share (NaN when no data), 1: month share} per station id. */
  public static Map<Integer, double[]> completeness(
      Connection c, Instant day, Instant month, Instant to) throws SQLException {
    return Overview.completeness(c, day, month, to);
  }
}
