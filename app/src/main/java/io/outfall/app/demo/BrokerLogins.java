package io.outfall.app.demo;

/** Gives each simulated publisher its own broker password (null: the broker has no accounts). */
@FunctionalInterface
public interface BrokerLogins {
  String password(String site, String gateway) throws Exception;
}
