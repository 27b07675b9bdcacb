package io.outfall.ingest.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BrokerLogTest {
  @Test
  void mosquittosRefusalAndTakeoverLinesAreRecognisedWithOrWithoutTheirTimestamp() {
    assertThat(BrokerLog.parse("1764556800: Client probe-1 disconnected, not authorised."))
        .isEqualTo(BrokerLog.Event.LOGIN_REFUSED);
    assertThat(BrokerLog.parse("Client <unknown> disconnected, not authorised."))
        .isEqualTo(BrokerLog.Event.LOGIN_REFUSED);
    assertThat(
            BrokerLog.parse(
                "1764556800: Client plant-a/gw-1 already connected, closing old connection."))
        .isEqualTo(BrokerLog.Event.TAKEOVER);
    // what is not counted
    assertThat(BrokerLog.parse("1764556800: Client gw closed its connection."))
        .isEqualTo(BrokerLog.Event.OTHER);
    assertThat(BrokerLog.parse("1764556800: New client connected from 127.0.0.1:5000 as x"))
        .isEqualTo(BrokerLog.Event.OTHER);
    assertThat(BrokerLog.parse("Client x disconnected, not authorised. (forged suffix)"))
        .isEqualTo(BrokerLog.Event.OTHER);
  }
}
