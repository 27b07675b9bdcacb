package io.outfall.ingest.access;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The broker accounts as Mosquitto's configuration: two password files, one ACL file and the
 * listeners that use them, with the same rules the embedded broker enforces ({@link
 * BrokerAccount#rules()}). Mosquitto rereads the password and ACL files on SIGHUP.
 *
 * <p>Why two listeners: Mosquitto cannot tie a client id to an account except by replacing every
 * client's id with its user name ({@code use_username_as_clientid}). That is right for gateways
 * (one connection each), wrong for services (an ingest has two connections, and a deployment
 * several ingests under one account). So gateways log in on a listener that does it and whose
 * password file holds only gateways; services on one of their own, whose password file holds only
 * services.
 */
public final class MosquittoFiles {
  public static final String PASSWORDS = "outfall.passwd";
  public static final String SERVICE_PASSWORDS = "outfall-services.passwd";
  public static final String ACL = "outfall.acl";
  public static final String CONF = "outfall.conf";

  /**
   * Where Mosquitto listens, each as its {@code listener} line takes it ({@code "PORT [ADDRESS]"}).
   *
   * @param gateways the plants' gateways, with passwords
   * @param services Outfall's own servers; keep it off the plants' network
   * @param certificates gateways with client certificates over TLS, or null for none
   */
  public record Listeners(String gateways, String services, Certificates certificates) {
    public static final Listeners DEFAULT = new Listeners("1883", "1884 127.0.0.1", null);

    public Listeners {
      for (String l : new String[] {gateways, services})
        if (l == null || !l.matches("\\d{1,5}( \\S+)?"))
          throw new IllegalArgumentException(
              "a listener is PORT or 'PORT ADDRESS', got '" + l + "'");
    }
  }

  /** A TLS listener for gateways that log in with a client certificate whose CN is their name. */
  public record Certificates(String listener, Path caFile, Path certFile, Path keyFile) {}

  private MosquittoFiles() {}

  /** Writes the four files into {@code dir} (each replaced atomically); returns their paths. */
  public static List<Path> write(Path dir, List<BrokerAccounts.Stored> accounts, Listeners at)
      throws IOException {
    Files.createDirectories(dir);
    StringBuilder gateways = new StringBuilder();
    StringBuilder services = new StringBuilder();
    StringBuilder acl = new StringBuilder(HEADER);
    for (BrokerAccounts.Stored s : accounts) {
      BrokerAccount a = s.account();
      (a.role() == BrokerAccount.Role.GATEWAY ? gateways : services)
          .append(a.username())
          .append(':')
          .append(s.passwordHash())
          .append('\n');
      acl.append("\nuser ").append(a.username()).append('\n');
      for (BrokerAccount.TopicRule r : a.rules()) {
        String access = r.publish() && r.subscribe() ? "readwrite" : r.publish() ? "write" : "read";
        acl.append("topic ").append(access).append(' ').append(r.filter()).append('\n');
      }
    }
    Path g = replace(dir.resolve(PASSWORDS), gateways.toString());
    Path sv = replace(dir.resolve(SERVICE_PASSWORDS), services.toString());
    Path a = replace(dir.resolve(ACL), acl.toString());
    String aclLine = "acl_file " + a.toAbsolutePath() + "\n";
    StringBuilder conf =
        new StringBuilder(HEADER)
            .append(
                "# the listeners for Outfall's accounts; per_listener_settings holds for every\n"
                    + "# listener, so put other listeners' own settings under each of them\n"
                    + "per_listener_settings true\n"
                    + "# Nagle off: ingest acknowledges a message only after its readings are\n"
                    + "# committed, and until then the tail of the next message waited for that ack\n"
                    + "set_tcp_nodelay true\n"
                    + "# log lines on $SYS/broker/log/... too: ingest counts refused logins and\n"
                    + "# takeovers from them. A log_dest replaces the default destination: keep yours\n"
                    + "log_dest topic\n\n"
                    + "# plants' gateways: each client id is replaced by the user name, so no\n"
                    + "# account can connect under another's and so disconnect it\n")
            .append("listener ")
            .append(at.gateways())
            .append("\nallow_anonymous false\nuse_username_as_clientid true\npassword_file ")
            .append(g.toAbsolutePath())
            .append('\n')
            .append(aclLine)
            .append(
                "\n# Outfall's servers (ingest's mqtt.url): service accounts only, so no gateway's\n"
                    + "# password opens it\n")
            .append("listener ")
            .append(at.services())
            .append("\nallow_anonymous false\npassword_file ")
            .append(sv.toAbsolutePath())
            .append('\n')
            .append(aclLine);
    Certificates c = at.certificates();
    if (c != null)
      conf.append("\n# gateways with client certificates: the certificate's CN is the user name\n")
          .append("listener ")
          .append(c.listener())
          .append("\ncafile ")
          .append(c.caFile().toAbsolutePath())
          .append("\ncertfile ")
          .append(c.certFile().toAbsolutePath())
          .append("\nkeyfile ")
          .append(c.keyFile().toAbsolutePath())
          .append(
              "\nrequire_certificate true\nuse_identity_as_username true\n"
                  + "use_username_as_clientid true\nallow_anonymous false\n")
          .append(aclLine);
    return List.of(g, a, replace(dir.resolve(CONF), conf.toString()), sv);
  }

  private static final String HEADER =
      "# written by 'outfall gateways export-mosquitto'; regenerate rather than edit\n";

  private static Path replace(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    try {
      // the password file holds hashes only, but they should not be world-readable either
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r-----"));
    } catch (UnsupportedOperationException ignored) {
      // not a POSIX file system
    }
    return Files.move(
        tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
