package io.outfall.ingest.access;

import java.util.Locale;

/** What a user of the HTTP API may do; see {@link HttpAccess#allows}. */
public enum Role {
  /** A plant's operator: reads and acknowledges for their own sites only. */
  OPERATOR,
  /** Environmental staff: reads everything, exports reports, acknowledges and silences alerts. */
  INSPECTOR,
  /** Deploys gateway configurations; reads everything. */
  ENGINEER,
  /** Everything, including users, permits and the audit log. */
  ADMIN,
  /** A Prometheus scrape token: {@code /metrics} only. */
  SCRAPE;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** A user's role by its label; scrape is not a user's role. */
  public static Role ofUser(String label) {
    for (Role r : values()) if (r != SCRAPE && r.label().equals(label)) return r;
    throw new IllegalArgumentException(
        "role must be one of operator, inspector, engineer, admin; got '" + label + "'");
  }
}
