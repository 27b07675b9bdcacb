package io.outfall.ingest.access;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Password logins, throttled for the whole deployment: after {@link #PER_USER} failed logins within
 * {@link #WINDOW} for one user name (since its last successful login), or {@link #PER_ADDRESS} from
 * one address, further attempts are refused until the oldest of those failures leaves the window.
 *
 * <p>The failures counted are the access audit's own rows ({@code login}, {@code refused}), so
 * every ingest instance counts the same ones, with the database's clock. Attempts on one user name
 * are taken one at a time across instances (a transaction-scoped advisory lock held from the count
 * to the audit row's commit): five guesses sent at once to two instances are still five, the sixth
 * is refused. Everything runs on one connection, so that parallel logins never wait for a second
 * one from the pool while holding the first. Blocking JDBC and a deliberate PBKDF2: worker threads.
 */
final class Logins {
  static final int PER_USER = 5;
  static final int PER_ADDRESS = 20;
  static final Duration WINDOW = Duration.ofMinutes(5);

  /** What became of an attempt. */
  sealed interface Outcome {}

  /** Too many failures: try again after this many seconds (at least 1). */
  record Throttled(long retryAfterSeconds) implements Outcome {}

  /** Unknown user, wrong password or disabled user: the same answer for each. */
  record Refused() implements Outcome {}

  /** A session token for the user, shown once. */
  record SignedIn(Principal principal, String token) implements Outcome {}

  // the failures that still count: the user's since its last success, the address's all of them;
  // the one that keeps the door shut is the PER_USER-th (PER_ADDRESS-th) newest in the window
  private static final String RETRY_AFTER =
      "WITH w AS (SELECT now() - make_interval(secs => ?) AS since),"
          + " u AS (SELECT at FROM access_audit, w WHERE action = 'login' AND actor = ?"
          + "   AND outcome = 'refused' AND at > w.since AND at > coalesce((SELECT max(at)"
          + "   FROM access_audit WHERE action = 'login' AND actor = ? AND outcome = 'ok'),"
          + "   '-infinity') ORDER BY at DESC OFFSET ? LIMIT 1),"
          + " a AS (SELECT at FROM access_audit, w WHERE action = 'login' AND remote = ?"
          + "   AND outcome = 'refused' AND at > w.since ORDER BY at DESC OFFSET ? LIMIT 1)"
          + " SELECT ceil(extract(epoch FROM greatest((SELECT at FROM u), (SELECT at FROM a))"
          + "   + make_interval(secs => ?) - now()))";

  private final DataSource db;
  private final Users users;
  private final Duration session;

  Logins(DataSource db, Users users, Duration session) {
    this.db = db;
    this.users = users;
    this.session = session;
  }

  /** One login attempt, audited whatever its outcome. */
  Outcome attempt(String username, String password, String remote) throws SQLException {
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (PreparedStatement ps =
            c.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
          ps.setString(1, "outfall.login:" + username);
          ps.execute();
        }
        Outcome outcome;
        long wait = retryAfterSeconds(c, username, remote);
        if (wait > 0) {
          outcome = new Throttled(wait);
          Users.audit(c, username, "login", "", remote, "throttled");
        } else {
          Optional<Principal> p = users.authenticate(c, username, password);
          if (p.isEmpty()) {
            outcome = new Refused();
          } else {
            outcome =
                new SignedIn(
                    p.get(), Users.insertToken(c, username, "session", "web login", session));
          }
          Users.audit(c, username, "login", "", remote, p.isEmpty() ? "refused" : "ok");
        }
        c.commit(); // the audit row counts for the next attempt from here, and the lock is free
        return outcome;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  private static long retryAfterSeconds(Connection c, String username, String remote)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(RETRY_AFTER)) {
      ps.setLong(1, WINDOW.toSeconds());
      ps.setString(2, username);
      ps.setString(3, username);
      ps.setInt(4, PER_USER - 1);
      ps.setString(5, remote);
      ps.setInt(6, PER_ADDRESS - 1);
      ps.setLong(7, WINDOW.toSeconds());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        long seconds = rs.getLong(1); // null (nothing counts): 0
        return seconds > 0 ? seconds : rs.wasNull() ? 0 : 1;
      }
    }
  }
}
