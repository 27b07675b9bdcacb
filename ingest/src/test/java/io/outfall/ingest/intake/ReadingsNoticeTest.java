package io.outfall.ingest.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.outfall.compliance.parameters.ParameterCatalog;
import org.junit.jupiter.api.Test;

class ReadingsNoticeTest {
  static final long H = 1_764_550_800_000L;

  @Test
  void readsWhatTheWriterSendsStationByStation() {
    ParameterCatalog catalog = ParameterCatalog.shipped();
    short cod = catalog.byCode("COD").id();
    short ph = catalog.byCode("pH").id();
    StoredBatch b = new StoredBatch(false, 0);
    b.add("S7", 7, cod, H, 120.123456789, (short) 0);
    b.add("S7", 7, cod, H + 60_000, 130, (short) 1); // the newest COD
    b.add("S7", 7, ph, H, 7.2, (short) 0);
    b.add("S\"8\\", 8, ph, H + 1_000, 6.9, (short) 2); // a code JSON must escape

    String[] notices = b.notices(catalog).split(StoredBatch.NOTICE_SEPARATOR);
    assertThat(notices).hasSize(2);
    ReadingsNotice s7 = ReadingsNotice.parse(notices[0]);
    assertThat(s7.station()).isEqualTo("S7");
    assertThat(s7.stored()).isEqualTo(3);
    assertThat(s7.newest())
        .containsExactly(
            new ReadingsNotice.Newest("COD", H + 60_000, 1), new ReadingsNotice.Newest("pH", H, 0));
    ReadingsNotice s8 = ReadingsNotice.parse(notices[1]);
    assertThat(s8.station()).isEqualTo("S\"8\\");
    assertThat(s8.stored()).isEqualTo(1);
    assertThat(s8.newest()).containsExactly(new ReadingsNotice.Newest("pH", H + 1_000, 2));
  }

  @Test
  void fieldsItDoesNotKnowAreSkippedAndAMissingCountIsTheNewestOnes() {
    ReadingsNotice n =
        ReadingsNotice.parse(
            "{\"later\":{\"a\":[1,2]},\"readings\":[[\"TSS\",5,40.5,0,\"extra\"]],\"station\":\"S1\"}");
    assertThat(n.station()).isEqualTo("S1");
    assertThat(n.stored()).isEqualTo(1);
    assertThat(n.newest()).containsExactly(new ReadingsNotice.Newest("TSS", 5, 0));
  }

  @Test
  void textThatIsNoNoticeIsRefusedWithWhatItWas() {
    assertThatThrownBy(() -> ReadingsNotice.parse("{\"n\":1}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no station");
    assertThatThrownBy(() -> ReadingsNotice.parse("not json"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not json");
  }
}
