package io.outfall.app.embedded;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.auth.parameter.TopicPermission;
import com.hivemq.extension.sdk.api.packets.auth.DefaultAuthorizationBehaviour;
import com.hivemq.extension.sdk.api.packets.auth.ModifiableDefaultPermissions;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import io.outfall.ingest.access.BrokerAccount;
import io.outfall.ingest.access.BrokerAccounts;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Broker identity for the embedded HiveMQ: clients without a user name, or with a wrong password,
 * are refused at CONNECT; the others get exactly the topic permissions of their {@link
 * BrokerAccount} and nothing else (HiveMQ denies whatever no permission allows).
 */
public final class BrokerAccessExtension implements ExtensionMain {
  private static final Logger log = LoggerFactory.getLogger(BrokerAccessExtension.class);

  /** Blocking: a database lookup, and a PBKDF2 hash for a password. */
  private final BrokerAccounts directory;

  // The check blocks, and HiveMQ's own threads must not: it runs here and resumes the CONNECT.
  private final ExecutorService lookups =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "outfall-broker-auth");
            t.setDaemon(true);
            return t;
          });

  private BrokerAccessExtension(BrokerAccounts directory) {
    this.directory = directory;
  }

  public static EmbeddedExtension embedded(BrokerAccounts directory) {
    return EmbeddedExtension.builder()
        .withId("outfall-access")
        .withName("Outfall broker access")
        .withVersion("1")
        .withPriority(1000)
        .withStartPriority(1000)
        .withExtensionMain(new BrokerAccessExtension(directory))
        .build();
  }

  @Override
  public void extensionStart(ExtensionStartInput in, ExtensionStartOutput out) {
    SimpleAuthenticator authenticator = this::authenticate;
    Services.securityRegistry().setAuthenticatorProvider(input -> authenticator);
  }

  @Override
  public void extensionStop(ExtensionStopInput in, ExtensionStopOutput out) {
    lookups.shutdownNow();
  }

  private void authenticate(SimpleAuthInput input, SimpleAuthOutput output) {
    var connect = input.getConnectPacket();
    Optional<String> user = connect.getUserName();
    Optional<ByteBuffer> password = connect.getPassword();
    String client = connect.getClientId();
    Optional<String> certified =
        input
            .getConnectionInformation()
            .getClientTlsInformation()
            .flatMap(t -> t.getClientCertificate())
            .map(c -> commonName(c.getSubjectX500Principal()));
    if (certified.isPresent() && password.isEmpty()) {
      check(output, client, certified.get(), () -> directory.find(certified.get()), "certificate");
      return;
    }
    if (user.isEmpty() || password.isEmpty()) {
      refuse(output, client, "-", "anonymous clients are refused");
      return;
    }
    String secret = StandardCharsets.UTF_8.decode(password.get().asReadOnlyBuffer()).toString();
    check(output, client, user.get(), () -> directory.authenticate(user.get(), secret), "password");
  }

  private interface Lookup {
    Optional<BrokerAccount> run() throws Exception;
  }

  private void check(
      SimpleAuthOutput output, String client, String user, Lookup lookup, String credential) {
    Async<SimpleAuthOutput> async =
        output.async(
            Duration.ofSeconds(10),
            TimeoutFallback.FAILURE,
            ConnackReasonCode.SERVER_UNAVAILABLE,
            "account lookup timed out");
    lookups.execute(
        () -> {
          try {
            Optional<BrokerAccount> account = lookup.run();
            if (account.isEmpty()) {
              refuse(
                  output,
                  client,
                  user,
                  credential.equals("password")
                      ? "wrong user name or password"
                      : "no account for the certificate's CN");
            } else {
              grant(output.getDefaultPermissions(), account.get());
              output.authenticateSuccessfully();
            }
          } catch (Exception e) {
            log.warn("broker: account lookup for {} failed: {}", user, e.toString());
            output.failAuthentication(
                ConnackReasonCode.SERVER_UNAVAILABLE, "account lookup failed, try again");
          } finally {
            async.resume();
          }
        });
  }

  private static String commonName(X500Principal subject) {
    try {
      for (var rdn : new LdapName(subject.getName()).getRdns())
        if (rdn.getType().equalsIgnoreCase("CN")) return rdn.getValue().toString();
    } catch (InvalidNameException e) {
      // fall through: no usable CN
    }
    return "";
  }

  private static void refuse(SimpleAuthOutput output, String client, String user, String why) {
    log.warn("broker: refused client {} (user {}): {}", client, user, why);
    output.failAuthentication(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, why);
  }

  private static void grant(ModifiableDefaultPermissions permissions, BrokerAccount account) {
    for (BrokerAccount.TopicRule rule : account.rules()) {
      permissions.add(
          Builders.topicPermission()
              .topicFilter(rule.filter())
              .type(TopicPermission.PermissionType.ALLOW)
              .activity(
                  rule.publish() && rule.subscribe()
                      ? TopicPermission.MqttActivity.ALL
                      : rule.publish()
                          ? TopicPermission.MqttActivity.PUBLISH
                          : TopicPermission.MqttActivity.SUBSCRIBE)
              .build());
    }
    permissions.setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);
  }
}
