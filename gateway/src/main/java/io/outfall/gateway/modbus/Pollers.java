package io.outfall.gateway.modbus;

import io.outfall.protocol.Reading;
import io.outfall.protocol.config.GatewayConfig.Device;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The running pollers, one per device. Switching to another device list keeps the pollers of
 * devices whose definition did not change (no gap in their data), starts the new and changed ones
 * and stops the rest.
 */
public final class Pollers implements AutoCloseable {
  private final Consumer<List<Reading>> sink;
  private final Map<Device, DevicePoller> running = new LinkedHashMap<>();

  public Pollers(Consumer<List<Reading>> sink) {
    this.sink = sink;
  }

  /** Runs exactly {@code devices}; returns the pollers it started (new or changed devices). */
  public synchronized List<DevicePoller> switchTo(List<Device> devices) {
    List<DevicePoller> started = new ArrayList<>();
    Map<Device, DevicePoller> next = new LinkedHashMap<>();
    for (Device d : devices) {
      DevicePoller p = running.remove(d);
      if (p == null) {
        p = new DevicePoller(d, sink);
        p.start();
        started.add(p);
      }
      next.put(d, p);
    }
    for (DevicePoller gone : running.values()) gone.close();
    running.clear();
    running.putAll(next);
    return started;
  }

  public synchronized List<DevicePoller> all() {
    return List.copyOf(running.values());
  }

  @Override
  public synchronized void close() {
    for (DevicePoller p : running.values()) p.close();
    running.clear();
  }
}
