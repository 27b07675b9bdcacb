package io.outfall.protocol.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.MqttPublish;
import org.eclipse.paho.mqttv5.common.packet.MqttWireMessage;
import org.eclipse.paho.mqttv5.common.packet.util.CountingInputStream;
import org.junit.jupiter.api.Test;

/**
 * Paho parses what it receives with Outfall's {@link CountingInputStream}: in bulk, and to the same
 * packets and counts as its own byte-by-byte one.
 */
class BulkReceiveTest {
  @Test
  void theBulkCountingStreamIsTheOneInUse() {
    assertThat(MqttConnect.receivesInBulk()).isTrue();
  }

  @Test
  void aLargePublishParsesToTheSamePayloadTopicAndId() throws Exception {
    byte[] payload = new byte[300_000]; // a big backlog message: the remaining length takes 3 bytes
    new Random(7).nextBytes(payload);
    MqttMessage m = new MqttMessage(payload);
    m.setQos(1);
    MqttPublish sent = new MqttPublish("outfall/v1/site/gw/readings", m, new MqttProperties());
    sent.setMessageId(4711);
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    wire.write(sent.getHeader());
    wire.write(sent.getPayload());

    MqttWireMessage got = MqttWireMessage.createWireMessage(wire.toByteArray());

    assertThat(got).isInstanceOf(MqttPublish.class);
    MqttPublish p = (MqttPublish) got;
    assertThat(p.getTopicName()).isEqualTo("outfall/v1/site/gw/readings");
    assertThat(p.getMessageId()).isEqualTo(4711);
    assertThat(p.getMessage().getQos()).isEqualTo(1);
    assertThat(p.getMessage().getPayload()).isEqualTo(payload);
  }

  @Test
  void everyByteHandedOutIsCountedOnceWhateverTheReadSize() throws Exception {
    byte[] data = new byte[10_000];
    CountingInputStream in = new CountingInputStream(new ByteArrayInputStream(data));
    assertThat(in.read()).isZero();
    byte[] buf = new byte[4_000];
    assertThat(in.read(buf, 0, 4_000)).isEqualTo(4_000);
    assertThat(in.read(buf, 100, 3_000)).isEqualTo(3_000);
    assertThat(in.getCounter()).isEqualTo(7_001);
    assertThat(in.read(buf, 0, 4_000)).isEqualTo(2_999); // only what is left
    assertThat(in.read(buf, 0, 4_000)).isEqualTo(-1); // the end counts nothing
    assertThat(in.read()).isEqualTo(-1);
    assertThat(in.getCounter()).isEqualTo(10_000);
    in.resetCounter();
    assertThat(in.getCounter()).isZero();
  }
}
