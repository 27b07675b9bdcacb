package io.outfall.app.embedded;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.auth.PublishAuthorizer;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.SubscriptionAuthorizer;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerOutput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerOutput;
import com.hivemq.extension.sdk.api.auth.parameter.TopicPermission;
import com.hivemq.extension.sdk.api.client.parameter.ConnectionInformation;
import com.hivemq.extension.sdk.api.packets.auth.DefaultAuthorizationBehaviour;
import com.hivemq.extension.sdk.api.packets.auth.ModifiableDefaultPermissions;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import io.outfall.app.embedded.BrokerRefusals.Action;
import io.outfall.app.embedded.BrokerRefusals.Reason;
import io.outfall.ingest.access.BrokerAccount;
import io.outfall.ingest.access.BrokerAccounts;
import io.outfall.protocol.transport.MqttConnect;
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
 * or under a client id their account may not use, are refused at CONNECT; the others get exactly
 * the topic permissions of their {@link BrokerAccount} and nothing else (HiveMQ denies whatever no
 * permission allows). An authorizer in front of those permissions counts what they would refuse
 * ({@link BrokerRefusals}); what it lets through, the permissions still judge.
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

  private final BrokerRefusals refusals;

  private BrokerAccessExtension(BrokerAccounts directory, BrokerRefusals refusals) {
    this.directory = directory;
    this.refusals = refusals;
  }

  public static EmbeddedExtension embedded(BrokerAccounts directory, BrokerRefusals refusals) {
    return EmbeddedExtension.builder()
        .withId("outfall-access")
        .withName("Outfall broker access")
        .withVersion("1")
        .withPriority(1000)
        .withStartPriority(1000)
        .withExtensionMain(new BrokerAccessExtension(directory, refusals))
        .build();
  }

  @Override
  public void extensionStart(ExtensionStartInput in, ExtensionStartOutput out) {
    SimpleAuthenticator authenticator = this::authenticate;
    Services.securityRegistry().setAuthenticatorProvider(input -> authenticator);
    Rules rules = new Rules();
    Services.securityRegistry().setAuthorizerProvider(input -> rules);
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
      check(
          input,
          output,
          client,
          certified.get(),
          () -> directory.find(certified.get()),
          "certificate");
      return;
    }
    if (user.isEmpty() || password.isEmpty()) {
      refuse(output, client, "-", Reason.ANONYMOUS, "anonymous clients are refused");
      return;
    }
    String secret = StandardCharsets.UTF_8.decode(password.get().asReadOnlyBuffer()).toString();
    check(
        input,
        output,
        client,
        user.get(),
        () -> directory.authenticate(user.get(), secret),
        "password");
  }

  private interface Lookup {
    Optional<BrokerAccount> run() throws Exception;
  }

  private void check(
      SimpleAuthInput input,
      SimpleAuthOutput output,
      String client,
      String user,
      Lookup lookup,
      String credential) {
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
              if (credential.equals("password"))
                refuse(output, client, user, Reason.BAD_CREDENTIALS, "wrong user name or password");
              else
                refuse(
                    output,
                    client,
                    user,
                    Reason.NO_ACCOUNT_FOR_CERTIFICATE,
                    "no account for the certificate's CN");
            } else if (!account.get().mayUseClientId(client)) {
              // Checked after the password, so that the refusal tells nothing to a guesser; and
              // before HiveMQ takes over the session, so the rightful client stays connected.
              refuse(
                  output,
                  client,
                  user,
                  Reason.CLIENT_ID_NOT_OWNED,
                  ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                  "client id "
                      + client
                      + " belongs to another account; "
                      + (account.get().role() == BrokerAccount.Role.GATEWAY
                          ? "a gateway connects as "
                              + MqttConnect.gatewayClientId(
                                  account.get().site(), account.get().gateway())
                          : "a service's ids begin with " + user + "-"));
            } else {
              input
                  .getConnectionInformation()
                  .getConnectionAttributeStore()
                  .putAsString(
                      ACCOUNT, account.get().role().name() + " " + account.get().username());
              grant(output.getDefaultPermissions(), account.get());
              output.authenticateSuccessfully();
            }
          } catch (Exception e) {
            refusals.refused(Action.CONNECT, Reason.LOOKUP_FAILED);
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

  private void refuse(
      SimpleAuthOutput output, String client, String user, Reason reason, String why) {
    refuse(output, client, user, reason, ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, why);
  }

  /** Refuses the CONNECT with {@code code}, counted by reason and logged. */
  private void refuse(
      SimpleAuthOutput output,
      String client,
      String user,
      Reason reason,
      ConnackReasonCode code,
      String why) {
    refusals.refused(Action.CONNECT, reason);
    log.warn("broker: refused client {} (user {}): {}", client, user, why);
    output.failAuthentication(code, why);
  }

  /** The connection attribute that names the account a client logged in with. */
  private static final String ACCOUNT = "outfall.account";

  private static Optional<BrokerAccount> account(ConnectionInformation connection) {
    return connection
        .getConnectionAttributeStore()
        .getAsString(ACCOUNT)
        .map(
            v -> {
              int space = v.indexOf(' ');
              return BrokerAccount.of(
                  BrokerAccount.Role.valueOf(v.substring(0, space)), v.substring(space + 1));
            });
  }

  /**
   * The account's rules once more, to count refusals: the default permissions refuse silently. What
   * this lets through, they still judge; it never allows more than they do.
   */
  private final class Rules implements PublishAuthorizer, SubscriptionAuthorizer {
    @Override
    public void authorizePublish(PublishAuthorizerInput in, PublishAuthorizerOutput out) {
      String topic = in.getPublishPacket().getTopic();
      if (account(in.getConnectionInformation()).filter(a -> a.mayPublish(topic)).isPresent()) {
        out.nextExtensionOrDefault();
      } else {
        refused(Action.PUBLISH, in.getClientInformation().getClientId(), topic);
        out.failAuthorization();
      }
    }

    @Override
    public void authorizeSubscribe(
        SubscriptionAuthorizerInput in, SubscriptionAuthorizerOutput out) {
      String filter = in.getSubscription().getTopicFilter();
      if (account(in.getConnectionInformation()).filter(a -> a.maySubscribe(filter)).isPresent()) {
        out.nextExtensionOrDefault();
      } else {
        refused(Action.SUBSCRIBE, in.getClientInformation().getClientId(), filter);
        out.failAuthorization();
      }
    }

    private void refused(Action action, String client, String topic) {
      refusals.refused(action, Reason.TOPIC_NOT_PERMITTED);
      log.warn("broker: refused {} {} of client {}: not permitted", action, topic, client);
    }
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
