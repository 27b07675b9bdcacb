package io.outfall.protocol.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.outfall.protocol.Topics;
import io.outfall.protocol.config.GatewayConfig.Buffer;
import io.outfall.protocol.config.GatewayConfig.Device;
import io.outfall.protocol.config.GatewayConfig.Mqtt;
import io.outfall.protocol.config.GatewayConfig.Point;
import io.outfall.protocol.config.GatewayConfig.RegisterType;
import io.outfall.protocol.config.GatewayConfig.Remote;
import io.outfall.protocol.config.GatewayConfig.Serial;
import io.outfall.protocol.config.GatewayConfig.Table;
import io.outfall.protocol.config.GatewayConfig.Transport;
import io.outfall.protocol.config.GatewayConfig.WordOrder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway configuration document in its YAML form, read and validated from text: the gateway
 * reads its local file with it and applies deployed versions with it, and the server validates a
 * version with it before storing or deploying it, so both sides refuse the same documents with the
 * same words. No file I/O here. Every error names the path of the bad field ({@code
 * devices[0].points[2].register}) and what was expected.
 *
 * <pre>
 * version: "2026-11-25.1"
 * gateway: gw-phunghia
 * site: hn-phu-nghia
 * mqtt: {url: tcp://broker:1883, username: gw-phunghia, password: secret,
 *        batch_max_readings: 500, batch_max_delay: 5s, max_batches_per_second: 20}
 * buffer: {path: /var/lib/outfall-gateway/buffer.db, max_readings: 10000000}
 * devices:
 *   - name: outlet-analyzers
 *     host: 192.168.1.20
 *     port: 502
 *     unit_id: 1
 *     station: PHUNGHIA-OUT
 *     period: 10s
 *     timeout: 2s
 *     retries: 2
 *     points:
 *       - {parameter: COD, unit: mg/L, register: 10, type: float32, word_order: big, status_register: 105}
 *       - {parameter: energy, unit: kWh, register: 16, type: uint32, scale: 0.1}
 * </pre>
 */
public final class GatewayConfigYaml {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private GatewayConfigYaml() {}

  /** A whole configuration; {@link IllegalArgumentException} naming the field when it is not. */
  public static GatewayConfig parse(String yaml) {
    return parse(tree(yaml));
  }

  /**
   * A configuration deployed remotely, completed from the running one: sections and fields it
   * leaves out ({@code mqtt}'s link, {@code buffer}, {@code remote}, the ids) are the running ones,
   * so the server never needs a gateway's broker password. It may change the devices and the
   * uplink's batching; a change to anything else is refused, naming the field, because a remote
   * change there could cut the gateway off for good (change those on site).
   */
  public static GatewayConfig parseRemote(String yaml, GatewayConfig running) {
    JsonNode root = tree(yaml);
    ObjectNode r = (ObjectNode) root;
    if (!r.has("gateway")) r.put("gateway", running.gateway());
    if (!r.has("site")) r.put("site", running.site());
    var m = section(r, "mqtt");
    Mqtt rm = running.mqtt();
    fill(m, "url", rm.url());
    fill(m, "username", rm.username());
    fill(m, "password", rm.password());
    fill(m, "ca_file", rm.caFile() == null ? null : rm.caFile().toString());
    fill(m, "client_keystore", rm.clientKeystore() == null ? null : rm.clientKeystore().toString());
    fill(m, "client_keystore_password", rm.clientKeystorePassword());
    fill(m, "keep_alive", rm.keepAlive().toMillis() + "ms");
    fill(m, "batch_max_readings", rm.batchMaxReadings());
    fill(m, "batch_max_delay", rm.batchMaxDelay().toMillis() + "ms");
    fill(m, "max_batches_per_second", rm.maxBatchesPerSecond());
    var b = section(r, "buffer");
    Buffer rb = running.buffer();
    fill(b, "path", rb.path().toString());
    fill(b, "max_readings", rb.maxReadings());
    fill(b, "max_bytes", rb.maxBytes());
    fill(b, "max_age", rb.maxAge().toSeconds() + "s");
    if (!b.has("fsync")) b.put("fsync", rb.fsyncEveryWrite());
    var rr = section(r, "remote");
    fill(rr, "config_key", running.remote().configKey());
    fill(rr, "apply_grace", running.remote().applyGrace().toMillis() + "ms");
    if (!rr.has("device_addresses") && !running.remote().deviceAddresses().isEmpty())
      rr.set("device_addresses", YAML.valueToTree(running.remote().deviceAddresses()));
    GatewayConfig next = parse(root);
    unchanged("gateway", next.gateway(), running.gateway());
    unchanged("site", next.site(), running.site());
    unchanged("mqtt.url", next.mqtt().url(), rm.url());
    unchanged("mqtt.username", next.mqtt().username(), rm.username());
    unchanged("mqtt.password", next.mqtt().password(), rm.password());
    unchanged("mqtt.ca_file", next.mqtt().caFile(), rm.caFile());
    unchanged("mqtt.client_keystore", next.mqtt().clientKeystore(), rm.clientKeystore());
    unchanged(
        "mqtt.client_keystore_password",
        next.mqtt().clientKeystorePassword(),
        rm.clientKeystorePassword());
    unchanged("mqtt.keep_alive", next.mqtt().keepAlive(), rm.keepAlive());
    unchanged("buffer", next.buffer(), rb);
    unchanged("remote", next.remote(), running.remote());
    return next;
  }

  private static ObjectNode section(ObjectNode root, String field) {
    if (!root.has(field)) return root.putObject(field);
    if (!root.get(field).isObject())
      throw new IllegalArgumentException(field + ": a mapping is required");
    return (ObjectNode) root.get(field);
  }

  private static void fill(ObjectNode n, String field, Object value) {
    if (n.has(field) || value == null) return;
    if (value instanceof Number num) n.put(field, num.longValue());
    else n.put(field, value.toString());
  }

  private static void unchanged(String field, Object next, Object running) {
    if (!Objects.equals(next, running))
      throw new IllegalArgumentException(
          field + ": cannot be changed remotely (change it in the gateway's local configuration)");
  }

  private static JsonNode tree(String yaml) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new IllegalArgumentException("not YAML: " + e.getMessage());
    }
    if (root == null || !root.isObject())
      throw new IllegalArgumentException("the configuration must be a YAML mapping");
    return root;
  }

  private static GatewayConfig parse(JsonNode root) {
    known(root, "", "version", "gateway", "site", "mqtt", "buffer", "remote", "devices");
    String gateway = id(root, "gateway");
    String site = id(root, "site");
    JsonNode m = object(root, "mqtt");
    known(
        m,
        "mqtt.",
        "url",
        "username",
        "password",
        "ca_file",
        "client_keystore",
        "client_keystore_password",
        "keep_alive",
        "batch_max_readings",
        "batch_max_delay",
        "max_batches_per_second");
    Mqtt mqtt =
        new Mqtt(
            text(m, "url", "mqtt.url"),
            optionalText(m, "username"),
            optionalText(m, "password"),
            m.has("ca_file") ? Path.of(text(m, "ca_file", "mqtt.ca_file")) : null,
            m.has("client_keystore")
                ? Path.of(text(m, "client_keystore", "mqtt.client_keystore"))
                : null,
            optionalText(m, "client_keystore_password"),
            duration(m, "keep_alive", "mqtt.keep_alive", Duration.ofSeconds(30)),
            integer(m, "batch_max_readings", "mqtt.batch_max_readings", 500, 1, 10_000),
            duration(m, "batch_max_delay", "mqtt.batch_max_delay", Duration.ofSeconds(5)),
            integer(m, "max_batches_per_second", "mqtt.max_batches_per_second", 100, 1, 10_000));
    if (!mqtt.url().matches("(tcp|ssl)://[^/]+"))
      throw new IllegalArgumentException(
          "mqtt.url: tcp://host:port or ssl://host:port is required, got '" + mqtt.url() + "'");
    if (mqtt.clientKeystore() != null && !mqtt.url().startsWith("ssl://"))
      throw new IllegalArgumentException(
          "mqtt.client_keystore: a client certificate needs an ssl:// url, got '"
              + mqtt.url()
              + "'");
    JsonNode r = root.has("remote") ? object(root, "remote") : YAML.createObjectNode();
    known(r, "remote.", "config_key", "apply_grace", "device_addresses");
    Remote remote =
        new Remote(
            optionalText(r, "config_key"),
            duration(r, "apply_grace", "remote.apply_grace", Duration.ofSeconds(60)),
            addresses(r));
    JsonNode b = object(root, "buffer");
    known(b, "buffer.", "path", "max_readings", "max_bytes", "max_age", "fsync");
    Buffer buffer =
        new Buffer(
            Path.of(text(b, "path", "buffer.path")),
            integer(b, "max_readings", "buffer.max_readings", 10_000_000, 1000, Integer.MAX_VALUE),
            bytes(b, "max_bytes", "buffer.max_bytes", 1L << 30),
            duration(b, "max_age", "buffer.max_age", Buffer.MAX_AGE),
            !b.has("fsync") || b.get("fsync").asBoolean());
    JsonNode ds = root.get("devices");
    if (ds == null || !ds.isArray() || ds.isEmpty())
      throw new IllegalArgumentException("devices: at least one device is required");
    List<Device> devices = new ArrayList<>();
    for (int i = 0; i < ds.size(); i++) {
      Device d = placed(device(ds.get(i), "devices[" + i + "]"), remote, "devices[" + i + "]");
      for (Device other : devices)
        if (other.name().equals(d.name()))
          throw new IllegalArgumentException(
              "devices[" + i + "].name: '" + d.name() + "' is already the name of another device");
      devices.add(d);
    }
    return new GatewayConfig(
        root.has("version") ? root.get("version").asText() : "unversioned",
        gateway,
        site,
        mqtt,
        buffer,
        remote,
        List.copyOf(devices));
  }

  private static Device device(JsonNode d, String at) {
    if (!d.isObject()) throw new IllegalArgumentException(at + ": a mapping is required");
    known(
        d,
        at + ".",
        "name",
        "transport",
        "host",
        "port",
        "serial",
        "unit_id",
        "station",
        "period",
        "timeout",
        "retries",
        "points");
    JsonNode ps = d.get("points");
    if (ps == null || !ps.isArray() || ps.isEmpty())
      throw new IllegalArgumentException(at + ".points: at least one point is required");
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < ps.size(); i++) points.add(point(ps.get(i), at + ".points[" + i + "]"));
    Transport transport = choice(Transport.class, d, "transport", at + ".transport", Transport.TCP);
    boolean serialLine = transport == Transport.RTU;
    Serial serial = null;
    if (serialLine) {
      JsonNode s = d.get("serial");
      if (s == null || !s.isObject())
        throw new IllegalArgumentException(at + ".serial: a mapping is required for transport rtu");
      String sat = at + ".serial";
      known(s, sat + ".", "port", "baud", "data_bits", "parity", "stop_bits");
      String parity = s.has("parity") ? s.get("parity").asText().toLowerCase(Locale.ROOT) : "none";
      if (!List.of("none", "even", "odd").contains(parity))
        throw new IllegalArgumentException(
            sat + ".parity: one of [none, even, odd] is required, got '" + parity + "'");
      serial =
          new Serial(
              text(s, "port", sat + ".port"),
              integer(s, "baud", sat + ".baud", 9600, 1200, 921_600),
              integer(s, "data_bits", sat + ".data_bits", 8, 7, 8),
              parity,
              integer(s, "stop_bits", sat + ".stop_bits", 1, 1, 2));
    }
    return new Device(
        text(d, "name", at + ".name"),
        transport,
        serialLine ? null : text(d, "host", at + ".host"),
        serialLine ? 0 : integer(d, "port", at + ".port", 502, 1, 65535),
        serial,
        integer(d, "unit_id", at + ".unit_id", 1, 0, 255),
        text(d, "station", at + ".station"),
        duration(d, "period", at + ".period", Duration.ofSeconds(10)),
        duration(d, "timeout", at + ".timeout", Duration.ofSeconds(2)),
        integer(d, "retries", at + ".retries", 2, 0, 10),
        List.copyOf(points));
  }

  /** {@code remote.device_addresses}: device name → host:port, checked field by field. */
  private static Map<String, String> addresses(JsonNode r) {
    JsonNode a = r.get("device_addresses");
    if (a == null) return Map.of();
    if (!a.isObject())
      throw new IllegalArgumentException("remote.device_addresses: a mapping is required");
    Map<String, String> out = new TreeMap<>();
    a.fields()
        .forEachRemaining(
            e -> {
              String at = "remote.device_addresses." + e.getKey();
              String v = e.getValue().asText();
              int colon = v.lastIndexOf(':');
              if (!e.getValue().isValueNode()
                  || colon < 1
                  || !v.substring(colon + 1).matches("[0-9]{1,5}")
                  || Integer.parseInt(v.substring(colon + 1)) < 1
                  || Integer.parseInt(v.substring(colon + 1)) > 65535)
                throw new IllegalArgumentException(at + ": host:port is required, got '" + v + "'");
              out.put(e.getKey(), v);
            });
    return Collections.unmodifiableMap(out);
  }

  /** A device the gateway's own file places elsewhere on the plant's network is reached there. */
  private static Device placed(Device d, Remote remote, String at) {
    String address = remote.deviceAddresses().get(d.name());
    if (address == null) return d;
    if (d.transport() == Transport.RTU)
      throw new IllegalArgumentException(
          at
              + ": '"
              + d.name()
              + "' is on a serial line, but remote.device_addresses gives it a network address");
    int colon = address.lastIndexOf(':');
    return new Device(
        d.name(),
        d.transport(),
        address.substring(0, colon),
        Integer.parseInt(address.substring(colon + 1)),
        d.serial(),
        d.unitId(),
        d.station(),
        d.period(),
        d.timeout(),
        d.retries(),
        d.points());
  }

  private static Point point(JsonNode p, String at) {
    if (!p.isObject()) throw new IllegalArgumentException(at + ": a mapping is required");
    known(
        p,
        at + ".",
        "parameter",
        "unit",
        "table",
        "register",
        "type",
        "word_order",
        "scale",
        "offset",
        "status_register");
    RegisterType type = choice(RegisterType.class, p, "type", at + ".type", RegisterType.FLOAT32);
    return new Point(
        text(p, "parameter", at + ".parameter"),
        text(p, "unit", at + ".unit"),
        choice(Table.class, p, "table", at + ".table", Table.HOLDING),
        integer(p, "register", at + ".register", -1, 0, 65535 - type.registers + 1),
        type,
        choice(WordOrder.class, p, "word_order", at + ".word_order", WordOrder.BIG),
        number(p, "scale", at + ".scale", 1.0),
        number(p, "offset", at + ".offset", 0.0),
        integer(p, "status_register", at + ".status_register", -1, -1, 65535));
  }

  /** A misspelt field would silently fall back to its default: refuse what is not known. */
  private static void known(JsonNode n, String at, String... fields) {
    var names = n.fieldNames();
    while (names.hasNext()) {
      String f = names.next();
      if (!List.of(fields).contains(f))
        throw new IllegalArgumentException(
            at + f + ": not a known field (known: " + String.join(", ", fields) + ")");
    }
  }

  private static String id(JsonNode n, String field) {
    String v = text(n, field, field);
    if (!Topics.isValidId(v))
      throw new IllegalArgumentException(
          field + ": letters, digits, '-' and '_' only (1–64), got '" + v + "'");
    return v;
  }

  private static JsonNode object(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isObject())
      throw new IllegalArgumentException(field + ": a mapping is required");
    return v;
  }

  private static String text(JsonNode n, String field, String at) {
    JsonNode v = n.get(field);
    if (v == null || !v.isValueNode() || v.asText().isBlank())
      throw new IllegalArgumentException(at + ": is required");
    return v.asText();
  }

  private static String optionalText(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static int integer(JsonNode n, String field, String at, int dflt, int min, int max) {
    JsonNode v = n.get(field);
    if (v == null) {
      if (dflt < min) throw new IllegalArgumentException(at + ": is required");
      return dflt;
    }
    if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < min || v.asInt() > max)
      throw new IllegalArgumentException(
          at
              + ": a whole number from "
              + min
              + " to "
              + max
              + " is required, got '"
              + v.asText()
              + "'");
    return v.asInt();
  }

  /** A size such as 1048576, 512MiB or 2GiB (binary units; MB and GB are read the same way). */
  private static long bytes(JsonNode n, String field, String at, long dflt) {
    JsonNode v = n.get(field);
    if (v == null) return dflt;
    var m =
        Pattern.compile("(\\d+)\\s*(|k|kb|kib|m|mb|mib|g|gb|gib)")
            .matcher(v.asText().trim().toLowerCase(Locale.ROOT));
    long value;
    if (!m.matches()) value = -1;
    else {
      int shift =
          switch (m.group(2).isEmpty() ? ' ' : m.group(2).charAt(0)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
          };
      value = Long.parseLong(m.group(1)) << shift;
    }
    if (value < (1L << 20))
      throw new IllegalArgumentException(
          at
              + ": a size of at least 1MiB such as 512MiB or 2GiB is required, got '"
              + v.asText()
              + "'");
    return value;
  }

  private static double number(JsonNode n, String field, String at, double dflt) {
    JsonNode v = n.get(field);
    if (v == null) return dflt;
    if (!v.isNumber() || !Double.isFinite(v.asDouble()))
      throw new IllegalArgumentException(at + ": a number is required, got '" + v.asText() + "'");
    return v.asDouble();
  }

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private static Duration duration(JsonNode n, String field, String at, Duration dflt) {
    JsonNode v = n.get(field);
    if (v == null) return dflt;
    String s = v.asText().trim();
    try {
      Matcher unit = DURATION.matcher(s.toLowerCase(Locale.ROOT));
      Duration d;
      if (!unit.matches()) d = Duration.parse(s); // ISO-8601: PT10S, P60D
      else {
        long count = Long.parseLong(unit.group(1));
        d =
            switch (unit.group(2)) {
              case "ms" -> Duration.ofMillis(count);
              case "s" -> Duration.ofSeconds(count);
              case "m" -> Duration.ofMinutes(count);
              case "h" -> Duration.ofHours(count);
              default -> Duration.ofDays(count);
            };
      }
      if (d.isNegative() || d.isZero()) throw new IllegalArgumentException();
      return d;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          at
              + ": a duration such as 500ms, 10s, 5m, 12h or 60d is required, got '"
              + v.asText()
              + "'");
    }
  }

  private static <E extends Enum<E>> E choice(
      Class<E> type, JsonNode n, String field, String at, E dflt) {
    JsonNode v = n.get(field);
    if (v == null) return dflt;
    try {
      return Enum.valueOf(type, v.asText().trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          at
              + ": one of "
              + Arrays.stream(type.getEnumConstants())
                  .map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                  .toList()
              + " is required, got '"
              + v.asText()
              + "'");
    }
  }
}
