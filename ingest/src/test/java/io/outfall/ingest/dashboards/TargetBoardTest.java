package io.outfall.ingest.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.ingest.targets.TargetJudgement.Kpi;
import io.outfall.ingest.targets.TargetJudgement.Status;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TargetBoardTest {

  @Test
  void aPlantIsAsGoodAsItsWorstTarget() {
    assertThat(
            TargetBoard.verdict(
                Map.of(Kpi.ENERGY_PER_M3, Status.MET, Kpi.CHEMICAL_PER_M3, Status.BEHIND)))
        .isEqualTo(Status.BEHIND);
    assertThat(TargetBoard.worse(Status.MISSED, Status.BEHIND)).isEqualTo(Status.MISSED);
    assertThat(TargetBoard.worse(Status.ON_TRACK, Status.MET)).isEqualTo(Status.ON_TRACK);
  }

  @Test
  void missingDataIsWorseThanOnTrackButNoTargetIsNoVerdictAtAll() {
    assertThat(TargetBoard.worse(Status.NO_DATA, Status.ON_TRACK)).isEqualTo(Status.NO_DATA);
    assertThat(TargetBoard.worse(Status.NO_TARGET, Status.MET)).isEqualTo(Status.MET);
    assertThat(TargetBoard.verdict(Map.of(Kpi.ENERGY_PER_UNIT, Status.NO_TARGET)))
        .isEqualTo(Status.NO_TARGET);
  }
}
