package io.outfall.gateway.remote;

import io.outfall.protocol.config.ConfigAck;
import io.outfall.protocol.config.ConfigMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * What the gateway remembers of remote configuration, in files beside its buffer, each replaced
 * atomically: the active configuration (started from when the gateway restarts offline), the one
 * being tried (its presence at start means the gateway died while trying it), and the last
 * acknowledgement (so a retained config that was already answered is not tried again).
 */
final class ConfigStore {
  private final Path active;
  private final Path trying;
  private final Path lastAck;

  ConfigStore(Path dir) {
    this.active = dir.resolve("active-config.json");
    this.trying = dir.resolve("trying-config.json");
    this.lastAck = dir.resolve("last-config-ack.json");
  }

  Optional<ConfigMessage> active() {
    return read(active).map(ConfigMessage::decode);
  }

  Optional<ConfigMessage> trying() {
    return read(trying).map(ConfigMessage::decode);
  }

  Optional<ConfigAck> lastAck() {
    return read(lastAck).map(ConfigAck::decode);
  }

  void saveActive(ConfigMessage m) {
    write(active, m.encode());
  }

  void saveTrying(ConfigMessage m) {
    write(trying, m.encode());
  }

  void clearTrying() {
    try {
      Files.deleteIfExists(trying);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void saveAck(ConfigAck ack) {
    write(lastAck, ack.encode());
  }

  private static Optional<byte[]> read(Path file) {
    try {
      return Files.exists(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, byte[] bytes) {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      try (var ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(bytes));
        ch.force(true); // on disk before it replaces the old file
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
