package io.outfall.ingest.donre;

import io.outfall.ingest.config.Setting;
import io.outfall.ingest.config.Settings;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Locale;

/**
 * The regulator link's settings ({@code donre.*}), read and checked once: a bad value stops the
 * server at start with the setting's name, not the link an hour later.
 *
 * @param target where files go, or null when nothing is transmitted
 * @param targetCa with ftps: the CAs its certificate must chain to, or null for the JVM's
 * @param intakePort where legacy loggers upload (0: any free port), or -1 when the intake is off
 */
public record DonreSettings(
    FtpTarget target,
    Path targetCa,
    Duration interval,
    Duration grace,
    FileNames names,
    SymbolMap symbols,
    DonreFile format,
    ZoneId zone,
    boolean mean,
    Duration behindAlert,
    int intakePort,
    String intakeHost,
    String intakePassivePorts,
    Path intakeKeystore,
    String intakeKeystorePassword,
    Path intakeDir) {

  /** An FTP server and directory to upload to; {@code tls} is explicit TLS (FTPS, AUTH TLS). */
  public record FtpTarget(
      String host, int port, String user, String password, String directory, boolean tls) {
    /**
     * From {@code ftp://user:pass@host:port/dir} or {@code ftps://…}; user and password decoded.
     */
    public static FtpTarget parse(String url) {
      URI u;
      try {
        u = new URI(url);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("donre.ftp-url: not a URL: " + e.getMessage());
      }
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("ftp") && !scheme.equals("ftps"))
        throw new IllegalArgumentException(
            "donre.ftp-url: ftp:// or ftps:// is required, got '" + url + "'");
      if (u.getHost() == null)
        throw new IllegalArgumentException("donre.ftp-url: a host is required, got '" + url + "'");
      String user = "anonymous";
      String password = "";
      if (u.getRawUserInfo() != null) {
        String[] up = u.getRawUserInfo().split(":", 2);
        user = URLDecoder.decode(up[0], StandardCharsets.UTF_8);
        password = up.length > 1 ? URLDecoder.decode(up[1], StandardCharsets.UTF_8) : "";
      }
      String dir = u.getPath() == null || u.getPath().isEmpty() ? "/" : u.getPath();
      return new FtpTarget(
          u.getHost(),
          u.getPort() > 0 ? u.getPort() : 21,
          user,
          password,
          dir,
          scheme.equals("ftps"));
    }

    /** For logs and pages: no password. */
    @Override
    public String toString() {
      return (tls ? "ftps://" : "ftp://") + user + "@" + host + ":" + port + directory;
    }
  }

  public static DonreSettings of(Settings s) throws IOException {
    String url = s.get(Setting.DONRE_FTP_URL).trim();
    Duration interval = Duration.ofSeconds(s.getInt(Setting.DONRE_INTERVAL_SECONDS));
    if (interval.isNegative()
        || interval.isZero()
        || Duration.ofDays(1).getSeconds() % interval.getSeconds() != 0)
      throw new IllegalArgumentException(
          "donre.interval-seconds: a number of seconds that divides a day (e.g. 300) is required,"
              + " got "
              + interval.getSeconds());
    String ending = s.get(Setting.DONRE_LINE_ENDING).trim().toUpperCase(Locale.ROOT);
    if (!ending.equals("LF") && !ending.equals("CRLF"))
      throw new IllegalArgumentException("donre.line-ending: LF or CRLF, got '" + ending + "'");
    String value = s.get(Setting.DONRE_VALUE).trim().toLowerCase(Locale.ROOT);
    if (!value.equals("last") && !value.equals("mean"))
      throw new IllegalArgumentException("donre.value: last or mean, got '" + value + "'");
    Charset charset;
    try {
      charset = Charset.forName(s.get(Setting.DONRE_ENCODING).trim());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "donre.encoding: a character set such as UTF-8, got '"
              + s.get(Setting.DONRE_ENCODING)
              + "'");
    }
    ZoneId zone;
    try {
      zone = ZoneId.of(s.get(Setting.DONRE_ZONE).trim());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "donre.zone: an IANA time zone such as Asia/Ho_Chi_Minh, got '"
              + s.get(Setting.DONRE_ZONE)
              + "'");
    }
    String symbols = s.get(Setting.DONRE_SYMBOLS_FILE).trim();
    String port = s.get(Setting.DONRE_INTAKE_FTP_PORT).trim();
    String keystore = s.get(Setting.DONRE_INTAKE_KEYSTORE).trim();
    String ca = s.get(Setting.DONRE_FTP_CA_FILE).trim();
    return new DonreSettings(
        url.isEmpty() ? null : FtpTarget.parse(url),
        ca.isEmpty() ? null : Path.of(ca),
        interval,
        Duration.ofSeconds(s.getInt(Setting.DONRE_GRACE_SECONDS)),
        new FileNames(s.get(Setting.DONRE_FILE_NAME).trim(), s.get(Setting.DONRE_PROVINCE).trim()),
        SymbolMap.load(symbols.isEmpty() ? null : Path.of(symbols)),
        new DonreFile(charset, ending.equals("LF") ? "\n" : "\r\n"),
        zone,
        value.equals("mean"),
        Duration.ofMinutes(s.getInt(Setting.DONRE_BEHIND_ALERT_MINUTES)),
        port.isEmpty() ? -1 : s.getInt(Setting.DONRE_INTAKE_FTP_PORT),
        s.get(Setting.DONRE_INTAKE_HOST).trim(),
        s.get(Setting.DONRE_INTAKE_PASSIVE_PORTS).trim(),
        keystore.isEmpty() ? null : Path.of(keystore),
        s.get(Setting.DONRE_INTAKE_KEYSTORE_PASSWORD),
        Path.of(s.get(Setting.DONRE_INTAKE_DIR).trim()));
  }

  public boolean transmits() {
    return target != null;
  }

  public boolean intakeOn() {
    return intakePort >= 0;
  }
}
