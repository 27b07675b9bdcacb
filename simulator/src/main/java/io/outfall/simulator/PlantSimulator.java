package io.outfall.simulator;

import com.ghgande.j2mod.modbus.procimg.IllegalAddressException;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleInputRegister;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import com.ghgande.j2mod.modbus.util.SerialParameters;
import io.outfall.protocol.DeviceStatus;
import io.outfall.protocol.Reading;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
  private final AtomicLong pollsAnswered = new AtomicLong();
  private volatile boolean answering = true;
  // Counts the polls it answered (a poll reads from register 0 first), so that a drill can compare
  // what the plant gave out with what reached the database. While paused it refuses new polls.
  private final SimpleProcessImage image =
      new SimpleProcessImage(1) {
        @Override
        public synchronized Register[] getRegisterRange(int offset, int count) {
          if (offset == 0) {
            if (!answering) throw new IllegalAddressException("paused");
            pollsAnswered.incrementAndGet();
          }
          return super.getRegisterRange(offset, count);
        }
      };
  private final ModbusSlave slave;
  private final SimpleInputRegister[] inputs = new SimpleInputRegister[20];
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
   * The same plant as an RTU slave on a serial line (e.g. one end of a pseudo-terminal pair), unit
   * 1, with the line settings the master uses.
   */
  public static PlantSimulator onSerialLine(
      String station, EffluentModel model, SerialParameters line) throws Exception {
    return new PlantSimulator(station, model, () -> ModbusSlaveFactory.createSerialSlave(line));
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
      inputs[i] = new SimpleInputRegister(0);
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

  /**
   * A float32 in two registers, high word first (the Modbus convention). Written here rather than
   * taken from the gateway's decoder, so that the polling tests check one against the other.
   */
  private void setFloat(int register, float value) {
    int bits = Float.floatToIntBits(value);
    int high = (bits >>> 16) & 0xFFFF;
    int low = bits & 0xFFFF;
    image.getRegister(register).setValue(high);
    image.getRegister(register + 1).setValue(low);
    if (register + 1 < inputs.length) {
      inputs[register].setValue(high);
      inputs[register + 1].setValue(low);
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
