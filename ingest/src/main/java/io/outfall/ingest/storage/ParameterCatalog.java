package io.outfall.ingest.storage;

import io.outfall.protocol.Units;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;

/** The parameter codes Outfall knows, with their storage ids and canonical units. Immutable. */
public final class ParameterCatalog {

  /** One parameter of the catalog. */
  public record Parameter(
      short id, String code, String unit, String kind, String nameEn, String nameVi) {}

  private final Map<String, Parameter> byCode;
  private final Map<Short, Parameter> byId = new LinkedHashMap<>();

  public ParameterCatalog(Collection<Parameter> parameters) {
    this.byCode = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      byCode.put(p.code(), p);
      byId.put(p.id(), p);
    }
  }

  public static ParameterCatalog load(DataSource ds) throws SQLException {
    try (var c = ds.getConnection();
        var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT id, code, unit, kind, name_en, name_vi FROM parameters ORDER BY id")) {
      var list = new ArrayList<Parameter>();
      while (rs.next()) {
        list.add(
            new Parameter(
                rs.getShort(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6)));
      }
      return new ParameterCatalog(list);
    }
  }

  public Parameter byCode(String code) {
    return byCode.get(code);
  }

  public Parameter byId(short id) {
    return byId.get(id);
  }

  public Collection<Parameter> all() {
    return byCode.values();
  }

  /**
   * Whether a unit sent by a gateway means the catalog unit (see {@link
   * io.outfall.protocol.Units}).
   */
  public static boolean sameUnit(String catalogUnit, String sent) {
    return Units.same(catalogUnit, sent);
  }
}
