package io.outfall.ingest.access;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A secret kept in a file on the server's host: read when the file is there, else made (32 random
 * bytes), written readable by its owner only, and moved into place whole.
 */
public final class SecretFile {
  private SecretFile() {}

  /**
   * @param what names the secret in the error for a file that holds too short a one
   */
  public static String loadOrCreate(Path file, String what) throws IOException {
    if (Files.exists(file)) {
      String t = Files.readString(file).trim();
      if (t.length() < 16)
        throw new IllegalArgumentException(
            what + " " + file + ": a secret of at least 16 characters is required");
      return t;
    }
    if (file.getParent() != null) Files.createDirectories(file.getParent());
    String secret = PasswordHash.newSecret();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, secret + "\n");
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ignored) {
      // not a POSIX file system
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    return secret;
  }
}
