package io.outfall.ingest.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class RegistryCsvTest {
  static final String HEADER =
      "type,code,name,parent,kind,district,status,treatment,latitude,longitude,receiving_water,"
          + "design_capacity_m3_per_day,sampling\n";

  @Test
  void aFileWithClustersPlantsAndStationsReadsBackAsItWasWritten() {
    String csv =
        HEADER
            + "cluster,CL-1,\"Cụm công nghiệp A, Thanh Oai\",,industrial_cluster,Thanh Oai,,exists,,,,,\n"
            + "plant,site-1,\"Trạm \"\"A\"\"\",CL-1,,,under_construction,,20.95,105.76,Sông Nhuệ,2000,\n"
            + "station,ST-1,,site-1,,,,,,,,,\"COD=15m,*=5m\"\n";
    Registry.Contents c = RegistryCsv.parse(csv, Set.of(), Set.of());
    assertThat(c.clusters().get(0).name()).isEqualTo("Cụm công nghiệp A, Thanh Oai");
    assertThat(c.clusters().get(0).status()).isEqualTo("operating"); // the default
    assertThat(c.plants().get(0).name()).isEqualTo("Trạm \"A\"");
    assertThat(c.plants().get(0).status()).isEqualTo("under_construction");
    assertThat(c.plants().get(0).designCapacityM3PerDay()).isEqualTo(2000.0);
    assertThat(c.stations().get(0).sampling()).isEqualTo("COD=15m,5m");
    assertThat(RegistryCsv.parse(RegistryCsv.write(c), Set.of(), Set.of())).isEqualTo(c);
  }

  @Test
  void aClusterOrPlantRowMayCarryItsTargetAndWritesItBack() {
    String csv =
        "type,code,name,parent,target_baseline,target_energy_per_m3_pct,target_product_unit,"
            + "target_source\n"
            + "cluster,CL-1,Cụm A,,2025-01-01/2026-01-01,6,,\"Plan 12/KH, 2025\"\n"
            + "plant,site-1,Trạm A,CL-1,,,,\n";
    Registry.Contents c = RegistryCsv.parse(csv, Set.of(), Set.of());
    assertThat(c.targets()).hasSize(1);
    var t = c.targets().get(0);
    assertThat(t.scope()).isEqualTo("cluster");
    assertThat(t.of()).isEqualTo("CL-1");
    assertThat(t.baselineTo()).hasToString("2026-01-01");
    assertThat(t.energyPct()).isEqualTo(6.0);
    assertThat(t.chemicalPct()).isNull();
    assertThat(t.source()).isEqualTo("Plan 12/KH, 2025");
    assertThat(RegistryCsv.parse(RegistryCsv.write(c), Set.of(), Set.of())).isEqualTo(c);
  }

  @Test
  void aTargetWithoutABaselineOrAFigureOrOnAStationIsAnError() {
    String csv =
        "type,code,parent,target_baseline,target_energy_per_m3_pct\n"
            + "plant,site-1,,,6\n"
            + "plant,site-2,,2025-01-01/2026-01-01,\n"
            + "plant,site-3,,2025-01-01/2026-01-01,120\n"
            + "station,ST-1,site-9,2025-01-01/2026-01-01,5\n";
    assertThatThrownBy(() -> RegistryCsv.parse(csv, Set.of(), Set.of("site-9")))
        .isInstanceOfSatisfying(
            RegistryCsv.Invalid.class,
            e ->
                assertThat(e.errors())
                    .containsExactly(
                        "line 2: target_baseline must be FROM/TO local dates, e.g."
                            + " 2025-01-01/2026-01-01, got ''",
                        "line 3: a target needs at least one of target_energy_per_m3_pct,"
                            + " target_chemical_per_m3_pct, target_energy_per_unit_pct",
                        "line 4: target_energy_per_m3_pct is a percentage above 0 and below 100,"
                            + " got 120.0",
                        "line 5: only a cluster or a plant has a target"));
  }

  @Test
  void columnsMayComeInAnyOrderAndOnlyTypeAndCodeAreRequired() {
    Registry.Contents c =
        RegistryCsv.parse("code,type,parent\nST-9,station,site-9\n", Set.of(), Set.of("site-9"));
    assertThat(c.stations().get(0).site()).isEqualTo("site-9");
  }

  @Test
  void everyErrorIsReportedWithItsLine() {
    String csv =
        HEADER
            + "cluster,CL-1,,industrial_cluster,,,,,,,,,\n" // no name
            + "plant,site 2,,,,,,,,,,,\n" // a space in the code
            + "station,ST-3,,site-unknown,,,,,,,,,\n" // parent nowhere
            + "station,ST-4,,site-x,,,,,91,10,,,\n" // latitude out of range
            + "lake,L-1,,,,,,,,,,,\n";
    assertThatThrownBy(() -> RegistryCsv.parse(csv, Set.of(), Set.of("site-x")))
        .isInstanceOfSatisfying(
            RegistryCsv.Invalid.class,
            e ->
                assertThat(e.errors())
                    .containsExactly(
                        "line 2: cluster CL-1: name is required",
                        "line 3: plant code must be 1-64 letters, digits, '-' or '_', got 'site 2'",
                        "line 5: station ST-4: latitude must be within ±90° and longitude within ±180°",
                        "line 6: type must be cluster, plant or station, got 'lake'",
                        "line 4: station ST-3: plant 'site-unknown' is neither in the file nor registered"));
  }

  @Test
  void aCodeTwiceInOneFileIsAnError() {
    String csv = HEADER + "cluster,CL-1,A,,,,,,,,,,\ncluster,CL-1,B,,,,,,,,,,\n";
    assertThatThrownBy(() -> RegistryCsv.parse(csv, Set.of(), Set.of()))
        .hasMessageContaining("line 3: cluster CL-1 is also on line 2");
  }

  @Test
  void anUnknownColumnIsRefusedBeforeAnyRow() {
    assertThatThrownBy(() -> RegistryCsv.parse("type,code,colour\n", Set.of(), Set.of()))
        .hasMessageContaining("line 1: unknown column 'colour'");
  }
}
