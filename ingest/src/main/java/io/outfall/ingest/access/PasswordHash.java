package io.outfall.ingest.access;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashes in Mosquitto's {@code $7$} format: PBKDF2 with HMAC-SHA512, {@code
 * $7$<iterations>$<base64 salt>$<base64 hash>}. One format for the broker accounts (the same line
 * goes into a Mosquitto password file) and for users of the web UI; the iteration count travels
 * with each hash, so it can be raised without invalidating old ones.
 */
public final class PasswordHash {
  /** OWASP's 2023 figure for PBKDF2-HMAC-SHA512: people choose passwords. */
  public static final int USER_ITERATIONS = 210_000;

  /**
   * Broker secrets are 32 random bytes, so a slow hash adds nothing but connect latency when a
   * whole fleet reconnects after a broker restart.
   */
  public static final int MACHINE_ITERATIONS = 1_000;

  private static final SecureRandom random = new SecureRandom();

  private PasswordHash() {}

  public static String hash(String password, int iterations) {
    byte[] salt = new byte[12]; // Mosquitto's salt length
    random.nextBytes(salt);
    Base64.Encoder b64 = Base64.getEncoder();
    return "$7$"
        + iterations
        + "$"
        + b64.encodeToString(salt)
        + "$"
        + b64.encodeToString(pbkdf2(password, salt, iterations));
  }

  /** True when {@code password} matches; false for a malformed hash too. Constant-time compare. */
  public static boolean verify(String password, String hash) {
    String[] p = hash == null ? new String[0] : hash.split("\\$");
    if (p.length != 5 || !p[1].equals("7")) return false;
    try {
      int iterations = Integer.parseInt(p[2]);
      if (iterations < 1 || iterations > 10_000_000) return false;
      Base64.Decoder b64 = Base64.getDecoder();
      return MessageDigest.isEqual(
          pbkdf2(password, b64.decode(p[3]), iterations), b64.decode(p[4]));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * A random secret for a machine (gateway, service, API token): 32 bytes, URL-safe base64, never
   * beginning with {@code -}. One secret in 64 would otherwise begin with it, and command-line
   * tools an engineer pastes it into ({@code mosquitto_pub -P}, Python's argparse) then take it for
   * an option. Drawing again costs 0.02 bits of the 256.
   */
  public static String newSecret() {
    byte[] b = new byte[32];
    String secret;
    do {
      random.nextBytes(b);
      secret = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    } while (secret.charAt(0) == '-');
    return secret;
  }

  /** SHA-256 of a token: tokens are random, so a fast hash suffices to store them safely. */
  public static byte[] tokenDigest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] pbkdf2(String password, byte[] salt, int iterations) {
    try {
      PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 512);
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
