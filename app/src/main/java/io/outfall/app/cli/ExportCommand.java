package io.outfall.app.cli;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.zip.ZipFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code outfall export …}: data out of a running server, as files. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = "Export data from a running server.",
    subcommands = {ExportCommand.Donre.class})
public final class ExportCommand implements Runnable {
  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  /**
   * The environment department's files of one station for a time range, as a zip: what {@code GET
   * /api/export/donre} answers (docs/regulator.md). Exit status 0 written, 2 refused or the server
   * unreachable.
   */
  @Command(
      name = "donre",
      mixinStandardHelpOptions = true,
      description = {
        "Save a station's environment-department files for a time range as a zip.",
        "Times: a date (midnight), a local time such as 2026-11-29T08:00 (both in --zone),"
            + " or ISO-8601 with an offset; at most 31 days."
      })
  static final class Donre implements Callable<Integer> {
    @Mixin ServerOptions server;

    @Option(names = "--station", required = true, description = "station code")
    String station;

    @Option(names = "--from", required = true, description = "start of the range (included)")
    String from;

    @Option(names = "--to", description = "end of the range (excluded; default now)")
    String to;

    @Option(
        names = "--zone",
        defaultValue = "Asia/Ho_Chi_Minh",
        description = "zone of dates and local times (default ${DEFAULT-VALUE})")
    ZoneId zone;

    @Option(
        names = "--out",
        paramLabel = "FILE",
        description = "the zip to write (default donre-STATION-FROM-TO.zip)")
    Path out;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      Instant start = time("--from", from);
      Instant end = to == null ? Instant.now() : time("--to", to);
      if (out == null)
        out = Path.of("donre-%s-%s-%s.zip".formatted(station, stamp(start), stamp(end)));
      String path =
          "/api/export/donre?station="
              + URLEncoder.encode(station, StandardCharsets.UTF_8)
              + "&from="
              + start
              + "&to="
              + end;
      try {
        long bytes = server.client().download(path, out);
        int files;
        try (ZipFile zip = new ZipFile(out.toFile())) {
          files = zip.size();
        }
        System.out.printf(
            "%s: %d files of %s from %s to %s (%d bytes)%n",
            out,
            files,
            station,
            start.atZone(zone).toOffsetDateTime(),
            end.atZone(zone).toOffsetDateTime(),
            bytes);
        return 0;
      } catch (ApiClient.Refused | IOException e) {
        System.err.println("outfall export donre: " + e.getMessage());
        return 2;
      }
    }

    private Instant time(String option, String v) {
      try {
        return OffsetDateTime.parse(v).toInstant();
      } catch (DateTimeException ignored) {
        // not with an offset: a local time or a date in --zone
      }
      try {
        return LocalDateTime.parse(v).atZone(zone).toInstant();
      } catch (DateTimeException ignored) {
        // a date, then
      }
      try {
        return LocalDate.parse(v).atStartOfDay(zone).toInstant();
      } catch (DateTimeException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            option
                + ": a date (2026-11-29), a local time (2026-11-29T08:00) or ISO-8601 with an"
                + " offset (2026-11-29T08:00:00+07:00), got '"
                + v
                + "'");
      }
    }

    private String stamp(Instant t) {
      return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm").format(t.atZone(zone));
    }
  }
}
