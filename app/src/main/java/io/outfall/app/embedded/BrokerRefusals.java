package io.outfall.app.embedded;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the embedded broker refused, by what was attempted and why. The broker starts before the
 * server whose registry serves {@code /metrics}, so it counts here and is bound to that registry
 * once there is one: {@code outfall_broker_refused_total{action, reason}}.
 */
public final class BrokerRefusals {
  public enum Action {
    CONNECT,
    PUBLISH,
    SUBSCRIBE
  }

  public enum Reason {
    /** No user name or no password (and no client certificate). */
    ANONYMOUS(Action.CONNECT),
    /** Unknown user or wrong password, told apart from neither to the client. */
    BAD_CREDENTIALS(Action.CONNECT),
    /** A client certificate the CA signed for a name that has no account. */
    NO_ACCOUNT_FOR_CERTIFICATE(Action.CONNECT),
    /** The right password, under a client id that belongs to another account. */
    CLIENT_ID_NOT_OWNED(Action.CONNECT),
    /** The account store could not be asked (the database is down): the client retries. */
    LOOKUP_FAILED(Action.CONNECT),
    /** A topic the account's rules do not allow. */
    TOPIC_NOT_PERMITTED(Action.PUBLISH, Action.SUBSCRIBE);

    final Action[] actions;

    Reason(Action... actions) {
      this.actions = actions;
    }
  }

  private final Map<Action, Map<Reason, LongAdder>> counts = new EnumMap<>(Action.class);

  public BrokerRefusals() {
    for (Reason r : Reason.values())
      for (Action a : r.actions)
        counts.computeIfAbsent(a, k -> new EnumMap<>(Reason.class)).put(r, new LongAdder());
  }

  void refused(Action action, Reason reason) {
    counts.get(action).get(reason).increment();
  }

  public long count(Action action, Reason reason) {
    return counts.get(action).get(reason).sum();
  }

  /** Exposes the counts in {@code registry}; every pair exists from the start, at 0. */
  public void bindTo(MeterRegistry registry) {
    counts.forEach(
        (action, byReason) ->
            byReason.forEach(
                (reason, n) ->
                    FunctionCounter.builder("outfall.broker.refused", n, LongAdder::sum)
                        .description("what the embedded broker refused, by attempt and reason")
                        .tag("action", action.name().toLowerCase(Locale.ROOT))
                        .tag("reason", reason.name().toLowerCase(Locale.ROOT))
                        .register(registry)));
  }
}
