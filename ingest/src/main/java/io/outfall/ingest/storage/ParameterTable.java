package io.outfall.ingest.storage;

import io.outfall.compliance.parameters.ParameterCatalog;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The {@code parameters} table kept equal to the catalog file: readings reference it by id, so it
 * must hold every parameter before the first reading of it arrives. At start, parameters the file
 * adds are inserted and names are updated; a code whose id, unit or kind differs from what is
 * stored stops the start, because stored readings would change meaning. Rows the file does not name
 * (added by hand or by an older version) are kept and served.
 */
public final class ParameterTable {
  private ParameterTable() {}

  /** Brings the table up to {@code file} and answers the catalog as stored. */
  public static ParameterCatalog sync(DataSource ds, ParameterCatalog file) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      ParameterCatalog stored = load(c);
      List<String> conflicts = new ArrayList<>();
      for (ParameterCatalog.Parameter p : file.all()) {
        ParameterCatalog.Parameter s = stored.byCode(p.code());
        ParameterCatalog.Parameter sameId = stored.byId(p.id());
        if (s != null
            && (s.id() != p.id() || !s.unit().equals(p.unit()) || !s.kind().equals(p.kind())))
          conflicts.add(
              p.code()
                  + " is stored as id "
                  + s.id()
                  + ", "
                  + s.unit()
                  + ", "
                  + s.kind()
                  + "; the catalog says id "
                  + p.id()
                  + ", "
                  + p.unit()
                  + ", "
                  + p.kind());
        else if (s == null && sameId != null)
          conflicts.add("id " + p.id() + " of " + p.code() + " is taken by " + sameId.code());
      }
      if (!conflicts.isEmpty())
        throw new IllegalStateException(
            "the parameter catalog disagrees with the database (a code's id, unit and kind never"
                + " change): "
                + String.join("; ", conflicts));
      try (var ps =
          c.prepareStatement(
              "INSERT INTO parameters (id, code, unit, kind, name_en, name_vi)"
                  + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE"
                  + " SET name_en = EXCLUDED.name_en, name_vi = EXCLUDED.name_vi"
                  + " WHERE (parameters.name_en, parameters.name_vi)"
                  + "   IS DISTINCT FROM (EXCLUDED.name_en, EXCLUDED.name_vi)")) {
        for (ParameterCatalog.Parameter p : file.all()) {
          ps.setShort(1, p.id());
          ps.setString(2, p.code());
          ps.setString(3, p.unit());
          ps.setString(4, p.kind());
          ps.setString(5, p.nameEn());
          ps.setString(6, p.nameVi());
          ps.addBatch();
        }
        ps.executeBatch();
      }
      ParameterCatalog result = load(c);
      c.commit();
      return result;
    }
  }

  /** The table as it is. */
  public static ParameterCatalog load(DataSource ds) throws SQLException {
    try (Connection c = ds.getConnection()) {
      return load(c);
    }
  }

  private static ParameterCatalog load(Connection c) throws SQLException {
    try (var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT id, code, unit, kind, name_en, name_vi FROM parameters ORDER BY id")) {
      List<ParameterCatalog.Parameter> list = new ArrayList<>();
      while (rs.next())
        list.add(
            new ParameterCatalog.Parameter(
                rs.getShort(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6)));
      return new ParameterCatalog(list);
    }
  }
}
