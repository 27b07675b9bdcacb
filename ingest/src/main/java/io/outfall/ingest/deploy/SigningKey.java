package io.outfall.ingest.deploy;

import io.outfall.protocol.config.ConfigSignature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * The server's Ed25519 key pair for configurations: a file of two lines, {@code private: } the
 * PKCS#8 private key and {@code public: } the X.509 public key, both base64 (the JDK cannot derive
 * one from the other), created readable by its owner only on first use. Gateways hold the public
 * key ({@code remote.config_key}) and apply only what it verifies. Keep the file with the database
 * backups: a new key means every gateway's {@code remote.config_key} must change on site.
 */
public final class SigningKey {
  private final Path file;
  private KeyPair pair;

  /**
   * The key in {@code file}, read (or created) when first needed: a server that never deploys never
   * writes one.
   */
  public SigningKey(Path file) {
    this.file = file;
  }

  private synchronized KeyPair pair() {
    if (pair == null) {
      try {
        pair = loadOrCreate(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return pair;
  }

  static KeyPair loadOrCreate(Path file) throws IOException {
    if (Files.exists(file)) {
      String priv = null;
      String pub = null;
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith("private:")) priv = line.substring(8).trim();
        if (line.startsWith("public:")) pub = line.substring(7).trim();
      }
      try {
        if (priv == null || pub == null) throw new IllegalArgumentException("missing lines");
        PrivateKey key =
            KeyFactory.getInstance("Ed25519")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(priv)));
        return new KeyPair(ConfigSignature.publicKey(pub), key);
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        throw new IOException(
            file
                + ": expected 'private: <PKCS#8 base64>' and 'public: <X.509 base64>' ("
                + e.getMessage()
                + ")");
      }
    }
    KeyPair pair = ConfigSignature.newKeyPair();
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) Files.createDirectories(dir);
    Files.writeString(
        file,
        "private: "
            + Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded())
            + "\npublic: "
            + ConfigSignature.encode(pair.getPublic())
            + "\n",
        StandardCharsets.US_ASCII);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: left to the operator
    }
    return pair;
  }

  public PrivateKey privateKey() {
    return pair().getPrivate();
  }

  /** What gateways put in {@code remote.config_key}: X.509, base64. */
  public String publicKeyText() {
    return ConfigSignature.encode(pair().getPublic());
  }
}
