package io.outfall.gateway;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.outfall.protocol.config.GatewayConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Meters replaced at the plant, as the technician who swapped one records it on the gateway ({@code
 * outfall gateway meter-change}): the old meter's last value and the new one's first, so that the
 * server does not count the new meter's starting value as consumption. Kept in {@code
 * meter-changes.json} beside the buffer; the running gateway sends the last {@link #KEPT} in every
 * status message, and the server records each once (idempotent by station, parameter and time).
 *
 * <p>A separate process writes the file while the gateway runs: it is replaced whole (a temporary
 * file moved over it atomically), and read whole each time the status is made.
 */
public final class MeterChanges {
  private static final ObjectMapper JSON =
      new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  /** The most recent changes a status message carries; older ones were recorded long ago. */
  static final int KEPT = 50;

  private MeterChanges() {}

  /**
   * @param atMs when the old meter came out (the gateway's clock, epoch ms)
   * @param note why, in the technician's words (may be null)
   */
  public record MeterChange(
      String station,
      String parameter,
      long atMs,
      double oldFinal,
      double newStart,
      String note,
      long recordedAtMs) {}

  public static Path file(GatewayConfig config) {
    return Gateway.dataDir(config).resolve("meter-changes.json");
  }

  /**
   * Records a change after checking it against the gateway's configuration: the station must be one
   * of its devices', the parameter one of that station's points. {@link IllegalArgumentException}
   * says what is wrong.
   */
  public static void record(GatewayConfig config, MeterChange c) {
    boolean known =
        config.devices().stream()
            .filter(d -> d.station().equals(c.station()))
            .flatMap(d -> d.points().stream())
            .anyMatch(p -> p.parameter().equals(c.parameter()));
    if (!known)
      throw new IllegalArgumentException(
          "no point of station "
              + c.station()
              + " reads "
              + c.parameter()
              + " in this gateway's configuration");
    if (!(c.oldFinal() >= 0) || !(c.newStart() >= 0))
      throw new IllegalArgumentException(
          "the old meter's last value and the new one's first are >= 0");
    List<MeterChange> all = new ArrayList<>(read(config));
    all.removeIf(
        x ->
            x.station().equals(c.station())
                && x.parameter().equals(c.parameter())
                && x.atMs() == c.atMs());
    all.add(c);
    all.sort((a, b) -> Long.compare(a.atMs(), b.atMs()));
    if (all.size() > KEPT) all = new ArrayList<>(all.subList(all.size() - KEPT, all.size()));
    Path file = file(config);
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling("meter-changes.json.tmp");
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), all);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** The recorded changes, oldest first; none when the file does not exist or cannot be read. */
  public static List<MeterChange> read(GatewayConfig config) {
    Path file = file(config);
    if (!Files.exists(file)) return List.of();
    try {
      return JSON.readValue(file.toFile(), new TypeReference<List<MeterChange>>() {});
    } catch (IOException e) {
      // a status without them is better than no status; the next write replaces the file
      return List.of();
    }
  }
}
