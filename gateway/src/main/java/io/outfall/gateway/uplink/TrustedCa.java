package io.outfall.gateway.uplink;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/** TLS to a broker whose certificate is signed by the CA(s) in one PEM file, and by no other. */
final class TrustedCa {
  private TrustedCa() {}

  static SSLSocketFactory socketFactory(Path pemFile) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    int n = 0;
    try (InputStream in = Files.newInputStream(pemFile)) {
      for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in))
        trust.setCertificateEntry("ca-" + n++, cert);
    }
    if (n == 0) throw new IllegalArgumentException("mqtt.ca_file: no certificate in " + pemFile);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    return tls.getSocketFactory();
  }
}
