package io.outfall.protocol.transport;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS to a server whose certificate is signed by the CA(s) in one PEM file, and by no other (or by
 * the JVM's CAs when there is no file); optionally presenting a client certificate. The gateway's
 * broker link and the server's link to the environment department's FTP server use it.
 */
public final class TrustedCa {
  private TrustedCa() {}

  /**
   * @param pemFile the broker's CA(s), or null for the JVM's
   * @param clientKeystore this gateway's key and certificate (PKCS#12 or JKS), or null
   */
  public static SSLSocketFactory socketFactory(Path pemFile, Path clientKeystore, String password)
      throws Exception {
    return context(pemFile, clientKeystore, password).getSocketFactory();
  }

  /** The same as an {@link SSLContext}, for clients that take one. */
  public static SSLContext context(Path pemFile, Path clientKeystore, String password)
      throws Exception {
    KeyManager[] keys = null;
    if (clientKeystore != null) {
      char[] pw = password == null ? new char[0] : password.toCharArray();
      KeyStore ks = KeyStore.getInstance(clientKeystore.toFile(), pw); // type from the content
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, pw);
      keys = kmf.getKeyManagers();
    }
    TrustManager[] trusted = pemFile == null ? null : trustOnly(pemFile);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keys, trusted, null);
    return tls;
  }

  private static TrustManager[] trustOnly(Path pemFile) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    int n = 0;
    try (InputStream in = Files.newInputStream(pemFile)) {
      for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in))
        trust.setCertificateEntry("ca-" + n++, cert);
    }
    if (n == 0) throw new IllegalArgumentException("no certificate in " + pemFile);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    return tmf.getTrustManagers();
  }
}
