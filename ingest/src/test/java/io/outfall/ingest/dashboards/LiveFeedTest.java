package io.outfall.ingest.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LiveFeedTest {
  @Test
  void aNoticeIsAboutTheStationAtItsTopLevel() {
    assertThat(LiveFeed.stationOf("{\"station\":\"S1\",\"n\":4,\"readings\":[[\"COD\",1,2.5,0]]}"))
        .isEqualTo("S1");
    // an alert's notice: the station after other fields, a nested "station" not taken for it
    assertThat(
            LiveFeed.stationOf(
                "{\"id\":7,\"detail\":{\"station\":\"NOT-THIS\"},\"station\":\"S\\u00e92\"}"))
        .isEqualTo("Sé2");
  }

  @Test
  void aNoticeAboutNoStationGoesToEveryPage() {
    assertThat(LiveFeed.stationOf("{\"id\":7,\"event\":\"opened\"}")).isNull();
    assertThat(LiveFeed.stationOf("{\"station\":null}")).isNull();
    assertThat(LiveFeed.stationOf("[1,2]")).isNull();
    assertThat(LiveFeed.stationOf("not json")).isNull();
  }
}
