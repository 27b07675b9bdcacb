package io.outfall.ingest.donre;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SymbolMapTest {
  @Test
  void theShippedMapWritesTheDepartmentsSymbolsAndReadsThemBackCaseInsensitively() {
    SymbolMap m = SymbolMap.shipped();
    assertThat(m.forParameter("NH4_N")).isEqualTo(new SymbolMap.Symbol("NH4_N", "NH4", "mg/L"));
    assertThat(m.forParameter("colour").symbol()).isEqualTo("Color");
    assertThat(m.forParameter("flow_out").symbol()).isEqualTo("Flow");
    assertThat(m.forSymbol("nh4").parameter()).isEqualTo("NH4_N");
    assertThat(m.forSymbol("TEMP").parameter()).isEqualTo("temperature");
    // not what a department receives: plant meters and inflow
    assertThat(m.forParameter("energy")).isNull();
    assertThat(m.forParameter("flow_in")).isNull();
    assertThat(m.forSymbol("TOC")).isNull();
  }

  @Test
  void aProvincesFileReplacesTheDefaultAndIsCheckedField() {
    SymbolMap m = SymbolMap.parse("parameters:\n  COD: {symbol: COD_mg, unit: mg/l}\n");
    assertThat(m.forSymbol("cod_mg").unit()).isEqualTo("mg/l");
    assertThat(m.forParameter("TSS")).isNull();
    assertThatThrownBy(() -> SymbolMap.parse("parameters:\n  COD: {symbol: COD}\n"))
        .hasMessage("symbols file: parameters.COD: symbol and unit are required");
    assertThatThrownBy(
            () ->
                SymbolMap.parse(
                    "parameters:\n  COD: {symbol: X, unit: a}\n  TSS: {symbol: x, unit: b}\n"))
        .hasMessageContaining("symbol x is given to both COD and TSS");
    assertThatThrownBy(() -> SymbolMap.parse("other: 1\n"))
        .hasMessageContaining("'parameters' mapping is required");
  }
}
