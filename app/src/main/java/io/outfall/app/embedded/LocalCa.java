package io.outfall.app.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A private certificate authority and the certificates it signs, made with the JDK's own keytool
 * (nothing to download, nothing to install): for the demo's TLS listener and for tests. A server
 * certificate names the addresses it serves; client certificates carry a broker user name as CN.
 *
 * <p>Not for production: there the broker's and the server's certificates come from the province's
 * or a public CA (docs/operations.md).
 */
public final class LocalCa {
  public final Path dir;
  public final String password;
  public final Path caKeystore; // JKS: the CA's key
  public final Path caPem; // what clients pin (a gateway's mqtt.ca_file)
  public final Path truststore; // JKS: the CA certificate only, for HiveMQ's client certificates
  public final Path serverKeystore; // JKS: key + chain, for HiveMQ, FtpServer and HTTPS
  public final Path serverPem;
  public final Path serverKeyPem;
  private final int validityDays;

  /**
   * Makes the CA and a server certificate in {@code dir}, or uses those already there.
   *
   * @param serverNames subject alternative names, e.g. {@code ip:127.0.0.1}, {@code dns:localhost}
   */
  public LocalCa(Path dir, String name, String password, int validityDays, String... serverNames)
      throws Exception {
    this.dir = Files.createDirectories(dir);
    this.password = password;
    this.validityDays = validityDays;
    caKeystore = dir.resolve("ca.jks");
    caPem = dir.resolve("ca.pem");
    truststore = dir.resolve("trust.jks");
    serverKeystore = dir.resolve("server.jks");
    serverPem = dir.resolve("server.pem");
    serverKeyPem = dir.resolve("server.key");
    if (Files.exists(serverKeyPem) && Files.exists(caPem)) return; // made at an earlier start
    keytool("-genkeypair", "-alias", "ca", "-dname", "CN=" + name, "-ext", "bc:c")
        .with(caKeystore, "JKS");
    keytool("-exportcert", "-rfc", "-alias", "ca", "-file", caPem.toString())
        .with(caKeystore, "JKS");
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString())
        .with(truststore, "JKS");
    String first = serverNames[0].substring(serverNames[0].indexOf(':') + 1);
    signed(serverKeystore, "JKS", "CN=" + first, serverPem, "san=" + String.join(",", serverNames));
    writeKeyPem(serverKeystore, "key", serverKeyPem);
  }

  /** A PKCS#12 file with a client key and its certificate (CN = {@code user}) signed by the CA. */
  public Path client(String fileName, String user) throws Exception {
    Path p12 = dir.resolve(fileName + ".p12");
    signed(p12, "PKCS12", "CN=" + user, dir.resolve(fileName + ".pem"), null);
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
                "-validity",
                Integer.toString(validityDays),
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

  private void writeKeyPem(Path keystore, String alias, Path out) throws Exception {
    KeyStore ks = KeyStore.getInstance(keystore.toFile(), password.toCharArray());
    PrivateKey key = (PrivateKey) ks.getKey(alias, password.toCharArray());
    Files.writeString(
        out,
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
  }

  private Keytool keytool(String... args) {
    return new Keytool(args);
  }

  private final class Keytool {
    private final String[] args;

    Keytool(String[] args) {
      this.args = args;
    }

    void with(Path keystore, String type) throws Exception {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
      cmd.addAll(List.of(args));
      if (List.of(args).contains("-genkeypair"))
        cmd.addAll(
            List.of("-keyalg", "EC", "-groupname", "secp256r1", "-validity", "" + validityDays));
      cmd.addAll(
          List.of(
              "-keystore",
              keystore.toString(),
              "-storetype",
              type,
              "-storepass",
              password,
              "-keypass",
              password));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + ": " + out);
    }
  }
}
