package io.outfall.ingest.access;

import java.io.IOException;
import java.nio.file.Path;

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
    return SecretFile.loadOrCreate(file, "http.admin-token-file");
  }
}
