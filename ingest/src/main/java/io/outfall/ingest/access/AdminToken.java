package io.outfall.ingest.access;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The bootstrap admin token ({@code http.admin-token-file}): how the first admin gets in, and what
 * scripts on the server's host use. Created with 32 random bytes, readable by its owner only.
 */
public final class AdminToken {
  private AdminToken() {}

  /** The token of setting {@code http.admin-token-file}, or null when the setting is empty. */
  public static String ofSetting(String file) throws IOException {
    return file.isBlank() ? null : loadOrCreate(Path.of(file));
  }

  /** The token in {@code file}, created there first if the file does not exist. */
  public static String loadOrCreate(Path file) throws IOException {
    if (Files.exists(file)) {
      String t = Files.readString(file).trim();
      if (t.length() < 16)
        throw new IllegalArgumentException(
            "http.admin-token-file " + file + ": a token of at least 16 characters is required");
      return t;
    }
    if (file.getParent() != null) Files.createDirectories(file.getParent());
    String token = PasswordHash.newSecret();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, token + "\n");
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ignored) {
      // not a POSIX file system
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    return token;
  }
}
