package org.eclipse.paho.mqttv5.common.packet.util;

import java.io.IOException;
import java.io.InputStream;

/**
 * Takes the place of Paho 1.2.5's class of the same name (same package, constructor and methods),
 * adding the one thing it lacks: a bulk {@link #read(byte[], int, int)}.
 *
 * <p>Why. Paho parses every packet it receives through this stream twice (the packet, then the
 * PUBLISH's payload), and without a bulk read {@code DataInputStream.readFully} falls back to
 * {@code InputStream}'s loop of one {@link #read()} per byte. Profiling the ingest while a
 * province's gateways drained their backlogs (JFR, 1,000 gateways, 500-reading messages,
 * 2026-12-02) put Paho's receiving thread at about 28 % of a core, 99 % of it in that loop; it is
 * also the thread every message of every plant waits on. Paho's last release is 1.2.5 (2020).
 *
 * <p>It is found first because the {@code protocol} module, which every Outfall MQTT client depends
 * on, comes before Paho's jar on every class path Outfall builds; {@code
 * MqttConnect.receivesInBulk()} says whether it is the one in use, and the ingest warns at start
 * when it is not. Counting is unchanged: every byte handed out is counted once.
 */
public class CountingInputStream extends InputStream {
  private final InputStream inputStream;
  private int counter;

  public CountingInputStream(InputStream inputStream) {
    this.inputStream = inputStream;
  }

  @Override
  public int read() throws IOException {
    int b = inputStream.read();
    if (b != -1) counter++;
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = inputStream.read(b, off, len);
    if (n > 0) counter += n;
    return n;
  }

  /** Bytes read so far. */
  public int getCounter() {
    return counter;
  }

  public void resetCounter() {
    counter = 0;
  }
}
