package io.outfall.ingest.intake;

import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.protocol.PayloadException;
import io.outfall.protocol.PayloadFormat;
import io.outfall.protocol.Reading;
import io.outfall.protocol.ReadingsBatch;
import io.outfall.protocol.ReadingsCodec;
import io.outfall.protocol.RejectReason;
import io.outfall.protocol.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a delivery into rows to store and refusals to park. Pure: no I/O, safe from any thread.
 *
 * <p>A message that cannot be decoded, or that comes from another gateway than its topic says, is
 * refused whole. Otherwise each reading is judged alone, so that one bad analyzer does not hold
 * back the good readings sent with it.
 */
public final class BatchValidator {
  private final ReadingsCodec codec = new ReadingsCodec();
  private final ParameterCatalog catalog;
  private final Clock clock;
  private final long maxPastMs;
  private final long maxFutureMs;

  public BatchValidator(
      ParameterCatalog catalog, Clock clock, Duration maxPast, Duration maxFuture) {
    this.catalog = catalog;
    this.clock = clock;
    this.maxPastMs = maxPast.toMillis();
    this.maxFutureMs = maxFuture.toMillis();
  }

  public Inbound validate(Delivery d) {
    long receivedAt = System.nanoTime();
    Topics.Address address;
    try {
      address = Topics.parse(d.topic());
      if (address.kind() != Topics.Kind.READINGS) {
        throw new PayloadException(
            RejectReason.BAD_TOPIC, "", "not a readings topic: " + d.topic());
      }
    } catch (PayloadException e) {
      return refused(d, null, null, null, e, 1, receivedAt);
    }
    ReadingsBatch batch;
    try {
      batch = codec.decode(d.payload(), PayloadFormat.ofContentType(d.contentType()));
    } catch (PayloadException e) {
      return refused(d, address.site(), address.gateway(), null, e, 1, receivedAt);
    }
    if (!batch.gateway().equals(address.gateway())) {
      var e =
          new PayloadException(
              RejectReason.GATEWAY_MISMATCH,
              "gateway",
              "payload says '" + batch.gateway() + "', topic says '" + address.gateway() + "'");
      return refused(
          d,
          address.site(),
          address.gateway(),
          batch.seq(),
          e,
          batch.readings().size(),
          receivedAt);
    }

    long now = clock.millis();
    List<Inbound.Row> rows = new ArrayList<>(batch.readings().size());
    List<Inbound.Rejection> rejections = new ArrayList<>(0);
    List<Reading> readings = batch.readings();
    for (int i = 0; i < readings.size(); i++) {
      Reading r = readings.get(i);
      ParameterCatalog.Parameter p = catalog.byCode(r.parameter());
      if (p == null) {
        rejections.add(
            reject(
                RejectReason.UNKNOWN_PARAMETER,
                i,
                "parameter",
                "unknown parameter code '" + r.parameter() + "'"));
      } else if (!ParameterCatalog.sameUnit(p.unit(), r.unit())) {
        rejections.add(
            reject(
                RejectReason.UNIT_MISMATCH,
                i,
                "unit",
                r.parameter() + " is measured in " + p.unit() + ", got '" + r.unit() + "'"));
      } else if (!Double.isFinite(r.value())) {
        rejections.add(
            reject(
                RejectReason.NON_FINITE_VALUE,
                i,
                "value",
                "value " + r.value() + " is not a finite number"));
      } else if (r.timestampMs() < now - maxPastMs || r.timestampMs() > now + maxFutureMs) {
        rejections.add(
            reject(
                RejectReason.TIMESTAMP_OUT_OF_RANGE,
                i,
                "ts",
                Instant.ofEpochMilli(r.timestampMs())
                    + " is outside the accepted window ["
                    + Instant.ofEpochMilli(now - maxPastMs)
                    + ", "
                    + Instant.ofEpochMilli(now + maxFutureMs)
                    + "]"));
      } else {
        rows.add(
            new Inbound.Row(
                r.station(), p.id(), r.timestampMs(), r.value(), (short) r.status().ordinal()));
      }
    }
    return new Inbound(
        d,
        address.site(),
        address.gateway(),
        batch.seq(),
        rows,
        rejections,
        rejections.size(),
        receivedAt);
  }

  /** A refusal of field {@code field} of reading {@code i}; the path is built only here. */
  private static Inbound.Rejection reject(RejectReason reason, int i, String field, String detail) {
    return new Inbound.Rejection(reason, "readings[" + i + "]." + field, detail, 1);
  }

  private static Inbound refused(
      Delivery d,
      String site,
      String gateway,
      Long seq,
      PayloadException e,
      int units,
      long receivedAt) {
    var rejection = new Inbound.Rejection(e.reason(), e.path(), e.getMessage(), units);
    return new Inbound(d, site, gateway, seq, List.of(), List.of(rejection), units, receivedAt);
  }
}
