package io.outfall.protocol.config;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Ed25519 signatures of config messages (the JDK's own implementation): the server signs with its
 * private key, a gateway applies only what verifies against the public key in its local
 * configuration. The public key travels as base64 of its X.509 encoding.
 */
public final class ConfigSignature {
  private static final String ALGORITHM = "Ed25519";

  private ConfigSignature() {}

  public static KeyPair newKeyPair() {
    try {
      return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is in every JDK since 15", e);
    }
  }

  public static ConfigMessage sign(ConfigMessage message, PrivateKey key) {
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initSign(key);
      s.update(message.signedBytes());
      return message.signedWith(Base64.getEncoder().encodeToString(s.sign()));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot sign with this key: " + e.getMessage(), e);
    }
  }

  /** True only for a signature by the holder of {@code key} over this very version and YAML. */
  public static boolean verify(ConfigMessage message, PublicKey key) {
    if (message.signature() == null) return false;
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initVerify(key);
      s.update(message.signedBytes());
      return s.verify(Base64.getDecoder().decode(message.signature()));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false; // malformed signature or key: not signed by the server
    }
  }

  public static String encode(PublicKey key) {
    return Base64.getEncoder().encodeToString(key.getEncoded());
  }

  public static PublicKey publicKey(String base64) {
    try {
      return KeyFactory.getInstance(ALGORITHM)
          .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64.trim())));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("not an Ed25519 public key (X.509, base64)");
    }
  }
}
