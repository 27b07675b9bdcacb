package io.outfall.app.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.embedded.EmbeddedHiveMQ;
import org.junit.jupiter.api.Test;

/** The embedded broker runs with Outfall's patched classes, taken from this HiveMQ version. */
class EmbeddedBrokerPatchTest {

  @Test
  void theBrokersQueuesAreOutfallsCopy() {
    assertThat(EmbeddedBroker.queuesPatched())
        .as("outfall-hivemq-patch comes before HiveMQ's jar on the class path")
        .isTrue();
  }

  @Test
  void hiveMqIsTheVersionTheCopyWasTakenFrom() {
    assertThat(EmbeddedHiveMQ.class.getPackage().getImplementationVersion())
        .as(
            "hivemq-patch copies classes of HiveMQ CE 2025.5: take the new version's files, add the"
                + " lines marked 'Outfall:' again (see hivemq-patch/pom.xml)")
        .isEqualTo("2025.5");
  }
}
