package io.outfall.ingest.access;

import io.outfall.protocol.transport.MqttConnect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The broker accounts ({@code broker_accounts}): created by {@code outfall gateways add}, checked
 * by the embedded broker, exported for Mosquitto. Blocking JDBC: call from worker threads.
 */
public final class BrokerAccounts {
  /** An account and its stored hash. */
  public record Stored(BrokerAccount account, String passwordHash) {}

  private final DataSource db;

  public BrokerAccounts(DataSource db) {
    this.db = db;
  }

  /**
   * Creates the account, or gives an existing one a new password: the secret returned is the only
   * copy (the database keeps its hash).
   */
  public String issue(BrokerAccount account) throws SQLException {
    String secret = PasswordHash.newSecret();
    save(account, secret);
    return secret;
  }

  /** Creates or updates the account with a password chosen by the caller (e.g. from a file). */
  public void save(BrokerAccount account, String password) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO broker_accounts (username, password_hash, role, site, gateway)"
                    + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET"
                    + " password_hash = EXCLUDED.password_hash, role = EXCLUDED.role,"
                    + " site = EXCLUDED.site, gateway = EXCLUDED.gateway")) {
      ps.setString(1, account.username());
      ps.setString(2, PasswordHash.hash(password, PasswordHash.MACHINE_ITERATIONS));
      ps.setString(3, account.role().name().toLowerCase(Locale.ROOT));
      ps.setString(4, account.site());
      ps.setString(5, account.gateway());
      ps.executeUpdate();
    } catch (SQLException e) {
      if ("23505".equals(e.getSQLState()) && account.role() == BrokerAccount.Role.GATEWAY)
        throw new IllegalArgumentException(
            "another gateway account already connects as client id "
                + MqttConnect.gatewayClientId(account.site(), account.gateway())
                + " (site and gateway ids joined with hyphens spell the same): choose other ids",
            e);
      throw e;
    }
  }

  /** Removes the account; its clients are refused at their next connect. */
  public boolean remove(String username) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps =
            c.prepareStatement("DELETE FROM broker_accounts WHERE username = ?")) {
      ps.setString(1, username);
      return ps.executeUpdate() > 0;
    }
  }

  /**
   * The account named by a client certificate the TLS listener already verified against its trusted
   * CAs: its subject's CN is the user name.
   */
  public Optional<BrokerAccount> find(String username) throws SQLException {
    return stored(username).map(Stored::account);
  }

  public Optional<Stored> stored(String username) throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement(SELECT + " WHERE username = ?")) {
      ps.setString(1, username);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  /** The account whose password matches, or empty (unknown user and wrong password alike). */
  public Optional<BrokerAccount> authenticate(String username, String password)
      throws SQLException {
    return stored(username)
        .filter(s -> PasswordHash.verify(password, s.passwordHash()))
        .map(Stored::account);
  }

  public List<Stored> all() throws SQLException {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement(SELECT + " ORDER BY role DESC, username");
        ResultSet rs = ps.executeQuery()) {
      List<Stored> out = new ArrayList<>();
      while (rs.next()) out.add(read(rs));
      return out;
    }
  }

  private static final String SELECT =
      "SELECT username, password_hash, role, site, gateway FROM broker_accounts";

  private static Stored read(ResultSet rs) throws SQLException {
    BrokerAccount.Role role =
        BrokerAccount.Role.valueOf(rs.getString("role").toUpperCase(Locale.ROOT));
    return new Stored(
        new BrokerAccount(
            rs.getString("username"), role, rs.getString("site"), rs.getString("gateway")),
        rs.getString("password_hash"));
  }
}
