package io.outfall.tests.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A private CA and certificates it signs, made with the JDK's keytool (nothing downloaded): a
 * server certificate for 127.0.0.1 (brokers, FTP servers) and client certificates whose CN is a
 * broker user name.
 */
public final class TestCertificates {
  public static final String PASSWORD = "changeit";
  public final Path dir;
  public final Path caKeystore; // JKS: the CA's key
  public final Path caPem;
  public final Path truststore; // JKS: the CA certificate only, for HiveMQ
  public final Path serverKeystore; // JKS: key + chain, for HiveMQ and FtpServer
  public final Path serverPem;
  public final Path serverKeyPem;

  public TestCertificates(Path dir) throws Exception {
    this.dir = Files.createDirectories(dir);
    caKeystore = dir.resolve("ca.jks");
    caPem = dir.resolve("ca.pem");
    truststore = dir.resolve("trust.jks");
    serverKeystore = dir.resolve("server.jks");
    serverPem = dir.resolve("server.pem");
    serverKeyPem = dir.resolve("server.key");
    keytool("-genkeypair", "-alias", "ca", "-dname", "CN=Outfall test CA", "-ext", "bc:c")
        .with(caKeystore, "JKS");
    keytool("-exportcert", "-rfc", "-alias", "ca", "-file", caPem.toString())
        .with(caKeystore, "JKS");
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString())
        .with(truststore, "JKS");
    signed(serverKeystore, "JKS", "CN=127.0.0.1", serverPem, "san=ip:127.0.0.1");
    writeKeyPem(serverKeystore, "key", serverKeyPem);
  }

  /** A PKCS#12 file with a client key and its certificate (CN = {@code user}) signed by the CA. */
  public Path client(String name, String user) throws Exception {
    Path p12 = dir.resolve(name + ".p12");
    signed(p12, "PKCS12", "CN=" + user, dir.resolve(name + ".pem"), null);
    return p12;
  }

  private void signed(Path keystore, String type, String dname, Path certPem, String san)
      throws Exception {
    keytool("-genkeypair", "-alias", "key", "-dname", dname).with(keystore, type);
    Path csr = dir.resolve(keystore.getFileName() + ".csr");
    keytool("-certreq", "-alias", "key", "-file", csr.toString()).with(keystore, type);
    List<String> gencert =
        new ArrayList<>(
            List.of(
                "-gencert",
                "-rfc",
                "-alias",
                "ca",
                "-infile",
                csr.toString(),
                "-outfile",
                certPem.toString()));
    if (san != null) gencert.addAll(List.of("-ext", san));
    keytool(gencert.toArray(String[]::new)).with(caKeystore, "JKS");
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString())
        .with(keystore, type);
    keytool("-importcert", "-noprompt", "-alias", "key", "-file", certPem.toString())
        .with(keystore, type);
  }

  private static void writeKeyPem(Path keystore, String alias, Path out) throws Exception {
    KeyStore ks = KeyStore.getInstance(keystore.toFile(), PASSWORD.toCharArray());
    PrivateKey key = (PrivateKey) ks.getKey(alias, PASSWORD.toCharArray());
    Files.writeString(
        out,
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
  }

  private record Keytool(String[] args) {
    void with(Path keystore, String type) throws Exception {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
      cmd.addAll(List.of(args));
      if (List.of(args).contains("-genkeypair"))
        cmd.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2"));
      cmd.addAll(
          List.of(
              "-keystore",
              keystore.toString(),
              "-storetype",
              type,
              "-storepass",
              PASSWORD,
              "-keypass",
              PASSWORD));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
    }
  }

  private static Keytool keytool(String... args) {
    return new Keytool(args);
  }
}
