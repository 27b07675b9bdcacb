package io.outfall.tests.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outfall.ingest.IngestServer;
import io.outfall.ingest.access.Role;
import io.outfall.ingest.access.Users;
import io.outfall.ingest.config.Setting;
import io.outfall.tests.testing.TestCertificates;
import io.outfall.tests.testing.TestServices;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.KeyStore;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

/**
 * HTTPS when a certificate is configured ({@code http.tls-keystore}): a client that trusts the
 * server's CA gets the API over TLS and a Secure session cookie; one that does not is refused at
 * the handshake; plain HTTP on the same port gets nothing.
 */
class HttpsIT {
  @Test
  void theServerSpeaksHttpsWithItsCertificateAndSecureCookies() throws Exception {
    TestServices services = TestServices.get();
    TestCertificates certs = new TestCertificates(Files.createTempDirectory("outfall-https-it"));
    try (IngestServer server =
        IngestServer.start(
            services
                .ingestSettings(services.newDatabase("https"), "https")
                .with(Setting.HTTP_TLS_KEYSTORE, certs.serverKeystore.toString())
                .with(Setting.HTTP_TLS_KEYSTORE_PASSWORD, TestCertificates.PASSWORD))) {
      String base = "https://127.0.0.1:" + server.httpPort();
      KeyStore trust =
          KeyStore.getInstance(certs.truststore.toFile(), TestCertificates.PASSWORD.toCharArray());
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, tmf.getTrustManagers(), null);
      HttpClient trusting = HttpClient.newBuilder().sslContext(tls).build();

      var health =
          trusting.send(
              HttpRequest.newBuilder(URI.create(base + "/api/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);

      // a session cookie that is never sent in clear
      new Users(server.database().dataSource())
          .save("kim", "kim's long password", Role.INSPECTOR, Set.of());
      var login =
          trusting.send(
              HttpRequest.newBuilder(URI.create(base + "/api/login"))
                  .header("content-type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          new JsonObject()
                              .put("username", "kim")
                              .put("password", "kim's long password")
                              .encode()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(login.statusCode()).isEqualTo(200);
      assertThat(login.headers().firstValue("set-cookie").orElseThrow())
          .containsIgnoringCase("Secure")
          .containsIgnoringCase("HttpOnly");

      // the JVM's own CAs do not know this one: refused at the handshake
      assertThatThrownBy(
              () ->
                  HttpClient.newHttpClient()
                      .send(
                          HttpRequest.newBuilder(URI.create(base + "/api/health")).build(),
                          HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(SSLHandshakeException.class)
          .hasMessageContaining("unable to find valid certification path");
      // and plain HTTP on the same port gets no API
      assertThatThrownBy(
              () ->
                  HttpClient.newHttpClient()
                      .send(
                          HttpRequest.newBuilder(
                                  URI.create(
                                      "http://127.0.0.1:" + server.httpPort() + "/api/health"))
                              .build(),
                          HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);
    } finally {
      services.dropSession("it-https");
    }
  }
}
