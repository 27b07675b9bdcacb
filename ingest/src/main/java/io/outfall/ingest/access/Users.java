package io.outfall.ingest.access;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Users of the HTTP API and web UI, their tokens, and the audit of logins and administrative
 * actions ({@code users}, {@code api_tokens}, {@code access_audit}). Passwords are kept as PBKDF2
 * hashes, tokens as SHA-256 digests: the database never holds a usable secret. Blocking JDBC.
 */
public final class Users {
  /** A user as listed to an admin. */
  /**
   * A user as listed to an admin.
   *
   * @param disabledAt null while enabled
   */
  public record User(
      String username, Role role, Set<String> sites, Instant createdAt, Instant disabledAt) {}

  /**
   * A live token (not revoked, not expired) as listed: never the token itself.
   *
   * @param id the first 16 hex digits of the token's SHA-256: enough to name it, useless to use it
   * @param username null for a scrape token
   */
  public record Token(
      String id, String username, String kind, String name, Instant createdAt, Instant expiresAt) {}

  /** An audit entry. */
  public record AuditEntry(
      Instant at, String actor, String action, String detail, String remote, String outcome) {}

  private final DataSource db;

  public Users(DataSource db) {
    this.db = db;
  }

  /** Creates the user, or replaces its password, role and sites. */
  public void save(String username, String password, Role role, Set<String> sites)
      throws SQLException {
    if (username == null || !username.matches("[A-Za-z0-9_.@-]{1,64}"))
      throw new IllegalArgumentException(
          "username: 1-64 of A-Z a-z 0-9 _ . @ -, got '" + username + "'");
    checkPassword(password);
    if (role == Role.SCRAPE) throw new IllegalArgumentException("scrape is not a user's role");
    if (role == Role.OPERATOR && sites.isEmpty())
      throw new IllegalArgumentException("an operator needs at least one site");
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO users (username, password_hash, role, sites) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash,"
                    + " role = EXCLUDED.role, sites = EXCLUDED.sites, disabled_at = NULL")) {
      ps.setString(1, username);
      ps.setString(2, PasswordHash.hash(password, PasswordHash.USER_ITERATIONS));
      ps.setString(3, role.label());
      ps.setArray(4, c.createArrayOf("text", sites.toArray()));
      ps.executeUpdate();
    }
  }

  /**
   * The user whose password matches; empty for an unknown user, a wrong password, a disabled user.
   */
  public Optional<Principal> authenticate(String username, String password) throws SQLException {
    try (Connection c = db.getConnection()) {
      return authenticate(c, username, password);
    }
  }

  /** {@link #authenticate(String, String)} on the caller's connection (and transaction). */
  Optional<Principal> authenticate(Connection c, String username, String password)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT password_hash, role, sites FROM users WHERE username = ?"
                + " AND disabled_at IS NULL")) {
      ps.setString(1, username);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          // Same cost as a real check, so that timing does not tell which user names exist.
          PasswordHash.verify(password, DUMMY_HASH);
          return Optional.empty();
        }
        if (!PasswordHash.verify(password, rs.getString(1))) return Optional.empty();
        return Optional.of(
            new Principal(username, Role.ofUser(rs.getString(2)), sites(rs.getArray(3))));
      }
    }
  }

  private static final String DUMMY_HASH =
      PasswordHash.hash("not a password", PasswordHash.USER_ITERATIONS);

  /**
   * A new token for a user ({@code api} or {@code session}); the returned text is the only copy.
   *
   * @param ttl null: until revoked
   */
  public String issueToken(String username, String kind, String name, Duration ttl)
      throws SQLException {
    try (Connection c = db.getConnection()) {
      return insertToken(c, username, kind, name, ttl);
    }
  }

  /** A token that may only scrape {@code /metrics}. */
  public String issueScrapeToken(String name) throws SQLException {
    try (Connection c = db.getConnection()) {
      return insertToken(c, null, "scrape", name, null);
    }
  }

  static String insertToken(Connection c, String username, String kind, String name, Duration ttl)
      throws SQLException {
    String token = PasswordHash.newSecret();
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO api_tokens (token_hash, username, kind, name, expires_at)"
                + " VALUES (?, ?, ?, ?, ?)")) {
      ps.setBytes(1, PasswordHash.tokenDigest(token));
      ps.setString(2, username);
      ps.setString(3, kind);
      ps.setString(4, name);
      ps.setTimestamp(5, ttl == null ? null : Timestamp.from(Instant.now().plus(ttl)));
      ps.executeUpdate();
    }
    return token;
  }

  /** Who a token belongs to, if it is valid (not expired, not revoked, its user enabled). */
  public Optional<Principal> byToken(String token) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT t.kind, t.name, u.username, u.role, u.sites FROM api_tokens t"
                    + " LEFT JOIN users u ON u.username = t.username"
                    + " WHERE t.token_hash = ? AND t.revoked_at IS NULL"
                    + " AND (t.expires_at IS NULL OR t.expires_at > now())"
                    + " AND (t.kind = 'scrape' OR u.disabled_at IS NULL)")) {
      ps.setBytes(1, PasswordHash.tokenDigest(token));
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) return Optional.empty();
        if (rs.getString(1).equals("scrape"))
          return Optional.of(new Principal("scrape:" + rs.getString(2), Role.SCRAPE, Set.of()));
        if (rs.getString(3) == null) return Optional.empty();
        return Optional.of(
            new Principal(rs.getString(3), Role.ofUser(rs.getString(4)), sites(rs.getArray(5))));
      }
    }
  }

  /** The live tokens of a user (sessions included), or everyone's when null; newest first. */
  public List<Token> tokens(String username) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT encode(substring(token_hash from 1 for 8), 'hex'), username, kind, name,"
                    + " created_at, expires_at FROM api_tokens WHERE revoked_at IS NULL"
                    + " AND (expires_at IS NULL OR expires_at > now())"
                    + " AND (?::text IS NULL OR username = ?) ORDER BY created_at DESC LIMIT 500")) {
      ps.setString(1, username);
      ps.setString(2, username);
      try (ResultSet rs = ps.executeQuery()) {
        List<Token> out = new ArrayList<>();
        while (rs.next()) {
          Timestamp expires = rs.getTimestamp(6);
          out.add(
              new Token(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getTimestamp(5).toInstant(),
                  expires == null ? null : expires.toInstant()));
        }
        return out;
      }
    }
  }

  /**
   * Revokes the live token named by its id ({@link Token#id}), only if it is {@code owner}'s
   * (anyone's when null). False when there is no such token.
   */
  public boolean revokeById(String id, String owner) throws SQLException {
    if (id == null || !id.matches("[0-9a-f]{16}"))
      throw new IllegalArgumentException("a token id is 16 hex digits, got '" + id + "'");
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE api_tokens SET revoked_at = now()"
                    + " WHERE substring(token_hash from 1 for 8) = decode(?, 'hex')"
                    + " AND revoked_at IS NULL AND (?::text IS NULL OR username = ?)")) {
      ps.setString(1, id);
      ps.setString(2, owner);
      ps.setString(3, owner);
      return ps.executeUpdate() > 0;
    }
  }

  public boolean revoke(String token) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE api_tokens SET revoked_at = now() WHERE token_hash = ?"
                    + " AND revoked_at IS NULL")) {
      ps.setBytes(1, PasswordHash.tokenDigest(token));
      return ps.executeUpdate() > 0;
    }
  }

  /**
   * Disables the user: their logins and tokens are refused from now on (every instance within
   * {@link HttpAccess#CACHE_FOR}), their record and audit trail stay. Saving the user again enables
   * them. False when there is no such enabled user.
   */
  public boolean disable(String username) throws SQLException {
    return setDisabled(username, true);
  }

  /** Every user, the disabled ones too, by name. */
  public List<User> all() throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT username, role, sites, created_at, disabled_at FROM users ORDER BY username");
        ResultSet rs = ps.executeQuery()) {
      List<User> out = new ArrayList<>();
      while (rs.next()) {
        Timestamp disabled = rs.getTimestamp(5);
        out.add(
            new User(
                rs.getString(1),
                Role.ofUser(rs.getString(2)),
                sites(rs.getArray(3)),
                rs.getTimestamp(4).toInstant(),
                disabled == null ? null : disabled.toInstant()));
      }
      return out;
    }
  }

  /** Enables a disabled user again; false when there is no disabled user of that name. */
  public boolean enable(String username) throws SQLException {
    return setDisabled(username, false);
  }

  /** Disables an enabled user or enables a disabled one; false when there is no such user. */
  private boolean setDisabled(String username, boolean disabled) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE users SET disabled_at = CASE WHEN ? THEN now() END"
                    + " WHERE username = ? AND (disabled_at IS NULL) = ?")) {
      ps.setBoolean(1, disabled);
      ps.setString(2, username);
      ps.setBoolean(3, disabled);
      return ps.executeUpdate() > 0;
    }
  }

  /**
   * Gives the user a new random password and ends their sessions (API tokens stay); the returned
   * text is the only copy. Empty when there is no such user.
   */
  public Optional<String> resetPassword(String username) throws SQLException {
    String password = PasswordHash.newSecret().substring(0, 20);
    return setPassword(username, password, null) ? Optional.of(password) : Optional.empty();
  }

  /**
   * A user's own change: the current password must match. Ends their other sessions, not the one
   * they changed it with ({@code keepToken}); API tokens stay. False when the current password is
   * wrong.
   */
  public boolean changePassword(String username, String current, String next, String keepToken)
      throws SQLException {
    checkPassword(next);
    if (authenticate(username, current).isEmpty()) return false;
    return setPassword(username, next, keepToken);
  }

  private boolean setPassword(String username, String password, String keepToken)
      throws SQLException {
    checkPassword(password);
    try (Connection c = db.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps =
              c.prepareStatement("UPDATE users SET password_hash = ? WHERE username = ?");
          PreparedStatement end =
              c.prepareStatement(
                  "UPDATE api_tokens SET revoked_at = now() WHERE username = ?"
                      + " AND kind = 'session' AND revoked_at IS NULL AND token_hash <> ?")) {
        ps.setString(1, PasswordHash.hash(password, PasswordHash.USER_ITERATIONS));
        ps.setString(2, username);
        if (ps.executeUpdate() == 0) {
          c.rollback();
          return false;
        }
        end.setString(1, username);
        end.setBytes(2, keepToken == null ? new byte[0] : PasswordHash.tokenDigest(keepToken));
        end.executeUpdate();
        c.commit();
        return true;
      }
    }
  }

  private static void checkPassword(String password) {
    if (password == null || password.length() < 12)
      throw new IllegalArgumentException("password: at least 12 characters");
  }

  public void audit(String actor, String action, String detail, String remote, String outcome)
      throws SQLException {
    try (Connection c = db.getConnection()) {
      audit(c, actor, action, detail, remote, outcome);
    }
  }

  /** {@link #audit(String, String, String, String, String)} in the caller's transaction. */
  static void audit(
      Connection c, String actor, String action, String detail, String remote, String outcome)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO access_audit (actor, action, detail, remote, outcome)"
                + " VALUES (?, ?, ?, ?, ?)")) {
      ps.setString(1, actor);
      ps.setString(2, action);
      ps.setString(3, detail);
      ps.setString(4, remote);
      ps.setString(5, outcome);
      ps.executeUpdate();
    }
  }

  /** Newest first. */
  public List<AuditEntry> auditLog(int limit, int offset) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT at, actor, action, detail, remote, outcome FROM access_audit"
                    + " ORDER BY id DESC LIMIT ? OFFSET ?")) {
      ps.setInt(1, limit);
      ps.setInt(2, offset);
      try (ResultSet rs = ps.executeQuery()) {
        List<AuditEntry> out = new ArrayList<>();
        while (rs.next())
          out.add(
              new AuditEntry(
                  rs.getTimestamp(1).toInstant(),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6)));
        return out;
      }
    }
  }

  private static Set<String> sites(Array a) throws SQLException {
    return a == null ? Set.of() : new HashSet<>(Arrays.asList((String[]) a.getArray()));
  }
}
