package io.outfall.ingest.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.outfall.protocol.config.ConfigMessage;
import io.outfall.protocol.config.GatewayConfig;
import io.outfall.protocol.config.GatewayConfigYaml;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Named gateway configurations and their immutable versions. A version is validated exactly as a
 * gateway will parse it before it is stored, so that a configuration no gateway can read is refused
 * here, with the path of the bad field, and never deployed. Blocking JDBC: worker threads.
 */
public final class ConfigVersions {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /**
   * What a deployed configuration is completed with on the gateway (its ids, broker link, buffer
   * and key stay its own). Validation fills the same sections with placeholders.
   */
  private static final GatewayConfig PLACEHOLDER =
      GatewayConfigYaml.parse(
          """
          version: placeholder
          gateway: validation
          site: validation
          mqtt: {url: "tcp://validation:1883"}
          buffer: {path: "/nonexistent/outfall-validation"}
          devices:
            - name: placeholder
              host: 127.0.0.1
              port: 502
              station: PLACEHOLDER
              period: 10s
              points: [{parameter: COD, unit: mg/L, register: 0}]
          """);

  public record Version(
      long id,
      String name,
      int seq,
      String label,
      String yaml,
      String hash,
      String author,
      String message,
      Instant createdAt) {}

  private final DataSource ds;

  public ConfigVersions(DataSource ds) {
    this.ds = ds;
  }

  /**
   * Checks a configuration as a gateway will: the error names the field ({@code
   * devices[0].points[1].register: …}). Returns its version label.
   */
  public static String validate(String yaml) {
    String label;
    try {
      var tree = YAML.readTree(yaml);
      if (tree == null || !tree.isObject())
        throw new IllegalArgumentException("the configuration must be a YAML mapping");
      if (tree.has("gateway") || tree.has("site"))
        throw new IllegalArgumentException(
            "gateway/site: a deployed configuration leaves out the gateway's ids (each gateway"
                + " keeps its own)");
      label = tree.path("version").asText("");
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "not YAML: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (label.isBlank())
      throw new IllegalArgumentException("version: required, the label gateways acknowledge");
    GatewayConfigYaml.parseRemote(yaml, PLACEHOLDER); // throws naming the field
    return label;
  }

  /**
   * Stores a new version of {@code name}. The same YAML again answers the version already stored; a
   * label already used for other content is refused (versions are immutable).
   */
  public Version put(String name, String yaml, String author, String message) throws SQLException {
    if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}"))
      throw new IllegalArgumentException("name: 1 to 64 letters, digits, '.', '_' or '-'");
    String label = validate(yaml);
    String hash = ConfigMessage.sha256(yaml);
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (var st = c.createStatement()) {
          st.execute("LOCK TABLE gateway_configs IN SHARE ROW EXCLUSIVE MODE"); // seq without gaps
        }
        Version existing = one(c, "SELECT * FROM gateway_configs WHERE label = ?", label);
        if (existing != null) {
          c.rollback();
          if (existing.hash().equals(hash) && existing.name().equals(name)) return existing;
          throw new IllegalArgumentException(
              "version: '"
                  + label
                  + "' is already "
                  + existing.name()
                  + " #"
                  + existing.seq()
                  + " with other content; versions never change, give this one a new label");
        }
        Version v;
        try (var ps =
            c.prepareStatement(
                "INSERT INTO gateway_configs (name, seq, label, yaml, hash, author, message)"
                    + " VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM gateway_configs WHERE name = ?),"
                    + " ?, ?, ?, ?, ?) RETURNING *")) {
          ps.setString(1, name);
          ps.setString(2, name);
          ps.setString(3, label);
          ps.setString(4, yaml);
          ps.setString(5, hash);
          ps.setString(6, author);
          ps.setString(7, message);
          try (var rs = ps.executeQuery()) {
            rs.next();
            v = version(rs);
          }
        }
        Audit.record(c, author, "store", v.id(), null, name + " #" + v.seq() + " (" + label + ")");
        c.commit();
        return v;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  public List<Version> history(String name) throws SQLException {
    try (Connection c = ds.getConnection();
        var ps =
            c.prepareStatement("SELECT * FROM gateway_configs WHERE name = ? ORDER BY seq DESC")) {
      ps.setString(1, name);
      List<Version> out = new ArrayList<>();
      try (var rs = ps.executeQuery()) {
        while (rs.next()) out.add(version(rs));
      }
      return out;
    }
  }

  /** The latest version of every configuration. */
  public List<Version> latest() throws SQLException {
    try (Connection c = ds.getConnection();
        var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT DISTINCT ON (name) * FROM gateway_configs ORDER BY name, seq DESC")) {
      List<Version> out = new ArrayList<>();
      while (rs.next()) out.add(version(rs));
      return out;
    }
  }

  public Version get(String name, int seq) throws SQLException {
    try (Connection c = ds.getConnection()) {
      return one(c, "SELECT * FROM gateway_configs WHERE name = ? AND seq = ?", name, seq);
    }
  }

  public Version byId(long id) throws SQLException {
    try (Connection c = ds.getConnection()) {
      return one(c, "SELECT * FROM gateway_configs WHERE id = ?", id);
    }
  }

  private static Version one(Connection c, String sql, Object... args) throws SQLException {
    try (var ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
      try (var rs = ps.executeQuery()) {
        return rs.next() ? version(rs) : null;
      }
    }
  }

  private static Version version(ResultSet rs) throws SQLException {
    return new Version(
        rs.getLong("id"),
        rs.getString("name"),
        rs.getInt("seq"),
        rs.getString("label"),
        rs.getString("yaml"),
        rs.getString("hash"),
        rs.getString("author"),
        rs.getString("message"),
        rs.getTimestamp("created_at").toInstant());
  }
}
