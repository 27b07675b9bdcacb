package io.outfall.ingest.access;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * The broker accounts as Mosquitto's password file and ACL file, with the same rules the embedded
 * broker enforces ({@link BrokerAccount#rules()}). Mosquitto reads both at start and on SIGHUP.
 */
public final class MosquittoFiles {
  public static final String PASSWORDS = "outfall.passwd";
  public static final String ACL = "outfall.acl";
  public static final String CONF = "outfall.conf";

  private MosquittoFiles() {}

  /** Writes the three files into {@code dir} (each replaced atomically); returns their paths. */
  public static List<Path> write(Path dir, List<BrokerAccounts.Stored> accounts)
      throws IOException {
    Files.createDirectories(dir);
    StringBuilder passwd = new StringBuilder();
    StringBuilder acl = new StringBuilder(HEADER);
    for (BrokerAccounts.Stored s : accounts) {
      BrokerAccount a = s.account();
      passwd.append(a.username()).append(':').append(s.passwordHash()).append('\n');
      acl.append("\nuser ").append(a.username()).append('\n');
      for (BrokerAccount.TopicRule r : a.rules()) {
        String access = r.publish() && r.subscribe() ? "readwrite" : r.publish() ? "write" : "read";
        acl.append("topic ").append(access).append(' ').append(r.filter()).append('\n');
      }
    }
    Path p = replace(dir.resolve(PASSWORDS), passwd.toString());
    Path a = replace(dir.resolve(ACL), acl.toString());
    Path c =
        replace(
            dir.resolve(CONF),
            HEADER
                + "# include from mosquitto.conf (per_listener_settings false), or copy into a listener\n"
                + "allow_anonymous false\n"
                + "password_file "
                + p.toAbsolutePath()
                + "\nacl_file "
                + a.toAbsolutePath()
                + "\n");
    return List.of(p, a, c);
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
