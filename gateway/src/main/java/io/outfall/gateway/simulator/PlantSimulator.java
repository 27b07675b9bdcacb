package io.outfall.gateway.simulator;

import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import io.outfall.gateway.config.GatewayConfig.WordOrder;
import io.outfall.gateway.modbus.RegisterDecoder;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A plant's analyzers and meters behind one Modbus TCP slave (unit 1), their values from an {@link
 * EffluentModel}, refreshed every second. The register map, which a gateway configuration mirrors:
 *
 * <ul>
 *   <li>holding registers {@code 2i, 2i+1}: parameter {@code i} of {@link EffluentModel#PARAMETERS}
 *       as float32, high word first (COD is {@code 10}).
 *   <li>holding register {@code 100 + i}: that parameter's analyzer status, 0 measuring, 1
 *       calibrating, 2 fault.
 *   <li>holding registers {@code 16, 17}: energy meter, kWh, float32 (cumulative); {@code 18, 19}:
 *       coagulant dosing, kg, float32 (cumulative).
 *   <li>input registers {@code 0–19}: the same values as holding registers {@code 0–19} (meters and
 *       many analyzers publish their measurements as input registers).
 * </ul>
 *
 * <p>It speaks Modbus TCP, or RTU frames over TCP (as a serial device behind a transparent
 * serial-to-Ethernet converter does) when asked.
 */
public final class PlantSimulator implements AutoCloseable {
  public static final int ENERGY_REGISTER = 16;
  public static final int CHEMICAL_REGISTER = 18;
  public static final int STATUS_BASE = 100;

  private final String station;
  private final EffluentModel model;
  private final java.util.concurrent.atomic.AtomicLong pollsAnswered =
      new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean answering = true;
  // Counts the polls it answered (a poll reads from register 0 first), so that a drill can compare
  // what the plant gave out with what reached the database. While paused it refuses new polls.
  private final SimpleProcessImage image =
      new SimpleProcessImage(1) {
        @Override
        public synchronized com.ghgande.j2mod.modbus.procimg.Register[] getRegisterRange(
            int offset, int count) {
          if (offset == 0) {
            if (!answering)
              throw new com.ghgande.j2mod.modbus.procimg.IllegalAddressException("paused");
            pollsAnswered.incrementAndGet();
          }
          return super.getRegisterRange(offset, count);
        }
      };
  private final ModbusSlave slave;
  private final com.ghgande.j2mod.modbus.procimg.SimpleInputRegister[] inputs =
      new com.ghgande.j2mod.modbus.procimg.SimpleInputRegister[20];
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "plant-simulator");
            t.setDaemon(true);
            return t;
          });
  private double energyKwh;
  private double chemicalKg;
  private Instant last;

  public PlantSimulator(String station, EffluentModel model, int port) throws Exception {
    this(station, model, port, false);
  }

  public PlantSimulator(String station, EffluentModel model, int port, boolean rtuOverTcp)
      throws Exception {
    this(station, model, () -> ModbusSlaveFactory.createTCPSlave(port, 4, rtuOverTcp));
  }

  /** A plant whose analyzers answer up to {@code connections} Modbus TCP clients at once. */
  public static PlantSimulator serving(
      String station, EffluentModel model, int port, int connections) throws Exception {
    return new PlantSimulator(
        station, model, () -> ModbusSlaveFactory.createTCPSlave(port, connections, false));
  }

  /**
   * The same plant as an RTU slave on a serial line ({@code serial.port()}, e.g. one end of a
   * pseudo-terminal pair), unit 1.
   */
  public static PlantSimulator onSerialLine(
      String station, EffluentModel model, io.outfall.gateway.config.GatewayConfig.Serial serial)
      throws Exception {
    return new PlantSimulator(
        station,
        model,
        () ->
            ModbusSlaveFactory.createSerialSlave(
                io.outfall.gateway.modbus.DevicePoller.serialParameters(serial)));
  }

  private interface SlaveFactory {
    ModbusSlave create() throws Exception;
  }

  private PlantSimulator(String station, EffluentModel model, SlaveFactory slaves)
      throws Exception {
    this.station = station;
    this.model = model;
    for (int i = 0; i < 128; i++) image.addRegister(new SimpleRegister(0));
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = new com.ghgande.j2mod.modbus.procimg.SimpleInputRegister(0);
      image.addInputRegister(inputs[i]);
    }
    update();
    this.slave = slaves.create();
    slave.addProcessImage(1, image);
    slave.open();
    timer.scheduleAtFixedRate(this::update, 1, 1, TimeUnit.SECONDS);
  }

  private synchronized void update() {
    Instant now = Instant.now();
    List<Reading> readings = model.readings(station, now);
    double flow = 0;
    for (int i = 0; i < readings.size(); i++) {
      Reading r = readings.get(i);
      setFloat(2 * i, (float) r.value());
      image.getRegister(STATUS_BASE + i).setValue(statusWord(r.status()));
      if (r.parameter().equals("flow_out")) flow = r.value();
    }
    if (last != null) {
      double hours = (now.toEpochMilli() - last.toEpochMilli()) / 3_600_000.0;
      energyKwh += flow * 0.45 * hours; // ~0.45 kWh per m³ treated
      chemicalKg += flow * 0.06 * hours; // ~60 g of coagulant per m³
    }
    last = now;
    setFloat(ENERGY_REGISTER, (float) energyKwh);
    setFloat(CHEMICAL_REGISTER, (float) chemicalKg);
  }

  private void setFloat(int register, float value) {
    int[] w = RegisterDecoder.encodeFloat32(value, WordOrder.BIG);
    image.getRegister(register).setValue(w[0]);
    image.getRegister(register + 1).setValue(w[1]);
    if (register + 1 < inputs.length) {
      inputs[register].setValue(w[0]);
      inputs[register + 1].setValue(w[1]);
    }
  }

  private static int statusWord(DeviceStatus s) {
    return switch (s) {
      case MEASURING -> 0;
      case CALIBRATING -> 1;
      case FAULT -> 2;
    };
  }

  /** Polls answered so far (reads that started at register 0). */
  public long pollsAnswered() {
    return pollsAnswered.get();
  }

  /** Refuses new polls from now on (a poll already half-read still completes). */
  public void pause() {
    answering = false;
  }

  @Override
  public void close() {
    timer.shutdownNow();
    slave.close();
  }
}
