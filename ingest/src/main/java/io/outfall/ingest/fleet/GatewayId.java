package io.outfall.ingest.fleet;

import java.util.Comparator;

/** A gateway by its site and id, as its topics name it; written {@code site/gateway}. */
public record GatewayId(String site, String gateway) implements Comparable<GatewayId> {
  private static final Comparator<GatewayId> ORDER =
      Comparator.comparing(GatewayId::site).thenComparing(GatewayId::gateway);

  @Override
  public int compareTo(GatewayId other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return site + "/" + gateway;
  }
}
