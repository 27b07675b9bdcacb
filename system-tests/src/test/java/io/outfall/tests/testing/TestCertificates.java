package io.outfall.tests.testing;

import io.outfall.app.embedded.LocalCa;
import java.nio.file.Path;

/**
 * A private CA and certificates it signs ({@link LocalCa}, the demo's own): a server certificate
 * for 127.0.0.1 (brokers, FTP servers, HTTPS) and client certificates whose CN is a broker user
 * name.
 */
public final class TestCertificates {
  public static final String PASSWORD = "changeit";
  public final Path dir;
  public final Path caKeystore;
  public final Path caPem;
  public final Path truststore;
  public final Path serverKeystore;
  public final Path serverPem;
  public final Path serverKeyPem;
  private final LocalCa ca;

  public TestCertificates(Path dir) throws Exception {
    ca = new LocalCa(dir, "Outfall test CA", PASSWORD, 2, "ip:127.0.0.1");
    this.dir = ca.dir;
    caKeystore = ca.caKeystore;
    caPem = ca.caPem;
    truststore = ca.truststore;
    serverKeystore = ca.serverKeystore;
    serverPem = ca.serverPem;
    serverKeyPem = ca.serverKeyPem;
  }

  /** A PKCS#12 file with a client key and its certificate (CN = {@code user}) signed by the CA. */
  public Path client(String name, String user) throws Exception {
    return ca.client(name, user);
  }
}
