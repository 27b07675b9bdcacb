package io.outfall.ingest.dashboards;

import com.lowagie.text.Document;
import com.lowagie.text.DocumentException;
import com.lowagie.text.Element;
import com.lowagie.text.Font;
import com.lowagie.text.PageSize;
import com.lowagie.text.Paragraph;
import com.lowagie.text.Phrase;
import com.lowagie.text.pdf.BaseFont;
import com.lowagie.text.pdf.PdfPCell;
import com.lowagie.text.pdf.PdfPTable;
import com.lowagie.text.pdf.PdfWriter;
import io.outfall.compliance.parameters.ParameterCatalog;
import io.outfall.ingest.targets.TargetJudgement;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The compliance report as a PDF a plant can file, in Vietnamese or English: the period's figures,
 * each parameter's month, breaches by band, alerts and how fast they were acknowledged, and the
 * cleaner-production KPIs against the target. The text is set in DejaVu Sans, embedded (a subset,
 * Identity-H), so that Vietnamese diacritics print and copy as written on any reader. The same data
 * as the JSON and CSV report; nothing is computed here.
 */
public final class ReportPdf {
  public enum Lang {
    VI,
    EN
  }

  private static final Locale VIETNAMESE = Locale.forLanguageTag("vi-VN");
  private static final ParameterCatalog CATALOG = ParameterCatalog.shipped();
  private static final String FONTS = "/io/outfall/ingest/fonts/";
  private static final byte[] REGULAR = font("DejaVuSans.ttf");
  private static final byte[] BOLD = font("DejaVuSans-Bold.ttf");

  private final Lang lang;
  private final ZoneId zone;
  private final Font text;
  private final Font small;
  private final Font bold;
  private final Font title;

  private ReportPdf(Lang lang, ZoneId zone) {
    this.lang = lang;
    this.zone = zone;
    BaseFont regular = base("DejaVuSans.ttf", REGULAR);
    BaseFont heavy = base("DejaVuSans-Bold.ttf", BOLD);
    this.text = new Font(regular, 9);
    this.small = new Font(regular, 7.5f);
    this.bold = new Font(heavy, 9);
    this.title = new Font(heavy, 14);
  }

  /** The report as PDF bytes. */
  public static byte[] render(
      ComplianceReport.Result r,
      Optional<PlantKpis.Progress> targets,
      String periodName,
      Lang lang,
      ZoneId zone,
      Instant made) {
    return new ReportPdf(lang, zone).document(r, targets, periodName, made);
  }

  private byte[] document(
      ComplianceReport.Result r,
      Optional<PlantKpis.Progress> targets,
      String periodName,
      Instant made) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Document doc = new Document(PageSize.A4.rotate(), 28, 28, 28, 28);
    try {
      PdfWriter.getInstance(doc, out);
      doc.addTitle(t("title") + " " + r.station() + " " + periodName);
      doc.addCreator("Outfall");
      doc.open();
      doc.add(new Paragraph(t("title"), title));
      doc.add(
          new Paragraph(
              t("station")
                  + ": "
                  + r.station()
                  + "   "
                  + t("period")
                  + ": "
                  + periodName
                  + " ("
                  + day(r.from())
                  + " – "
                  + day(r.to())
                  + ", "
                  + zone.getId()
                  + ")",
              text));
      doc.add(new Paragraph(t("made") + ": " + time(made), small));
      summary(doc, r);
      parameters(doc, r);
      breaches(doc, r);
      alerts(doc, r);
      targets(doc, targets);
      doc.close();
    } catch (DocumentException e) {
      throw new IllegalStateException("the report could not be laid out: " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  private void summary(Document doc, ComplianceReport.Result r) throws DocumentException {
    heading(doc, "summary");
    PdfPTable t = table(new float[] {3, 1.2f});
    row(t, t("hours_in_period"), num(r.hoursInPeriod(), 1));
    row(t, t("hours_monitored"), Integer.toString(r.hoursMonitored()));
    row(t, t("valid_share"), pct(r.validShare()));
    row(t, t("completeness"), pct(r.completeness()));
    row(t, t("breach_hours"), num(r.breachHours(), 1));
    t.setWidthPercentage(45);
    t.setHorizontalAlignment(Element.ALIGN_LEFT);
    doc.add(t);
  }

  private void parameters(Document doc, ComplianceReport.Result r) throws DocumentException {
    heading(doc, "parameters");
    PdfPTable t = table(new float[] {4, 1.2f, 1.2f, 1.2f, 1.2f, 1.2f, 1.2f, 1.2f, 1.2f, 1.3f});
    header(
        t,
        "parameter",
        "unit",
        "readings",
        "valid",
        "calibrating",
        "fault",
        "mean",
        "min",
        "max",
        "completeness");
    for (ComplianceReport.ParameterMonth p : r.parameters()) {
      cells(
          t,
          name(p.parameter()),
          p.unit(),
          Long.toString(p.readings()),
          Long.toString(p.valid()),
          Long.toString(p.calibrating()),
          Long.toString(p.fault()),
          num(p.mean(), 2),
          num(p.min(), 2),
          num(p.max(), 2),
          pct(p.completeness()));
    }
    doc.add(t);
  }

  private void breaches(Document doc, ComplianceReport.Result r) throws DocumentException {
    heading(doc, "breaches");
    if (r.breaches().isEmpty()) {
      doc.add(new Paragraph(t("none"), text));
      return;
    }
    PdfPTable t = table(new float[] {3, 1, 1, 1, 1.4f});
    header(t, "parameter", "band", "count", "hours", "max_factor");
    for (ComplianceReport.Breaches b : r.breaches())
      cells(
          t,
          name(b.parameter()),
          b.band(),
          Integer.toString(b.count()),
          num(b.hours(), 2),
          b.maxFactor() == null ? "–" : "×" + num(b.maxFactor(), 2));
    doc.add(t);
  }

  private void alerts(Document doc, ComplianceReport.Result r) throws DocumentException {
    heading(doc, "alerts");
    if (r.alerts().isEmpty()) {
      doc.add(new Paragraph(t("none"), text));
      return;
    }
    PdfPTable t = table(new float[] {2.5f, 1, 1.2f, 1.8f, 1.5f});
    header(t, "kind", "count", "acknowledged", "median_ack", "max_ack");
    for (ComplianceReport.AlertKind a : r.alerts())
      cells(
          t,
          a.kind(),
          Integer.toString(a.count()),
          Integer.toString(a.acknowledged()),
          num(a.medianAckMinutes(), 1),
          num(a.maxAckMinutes(), 1));
    doc.add(t);
  }

  private void targets(Document doc, Optional<PlantKpis.Progress> targets)
      throws DocumentException {
    heading(doc, "targets");
    if (targets.isEmpty()) {
      doc.add(new Paragraph(t("no_target"), text));
      return;
    }
    TargetJudgement.Target target = targets.get().target();
    Paragraph baseline =
        new Paragraph(
            t("baseline")
                + ": "
                + target.baselineFrom()
                + " – "
                + target.baselineTo().minusDays(1)
                + (target.source() == null ? "" : "   " + t("source") + ": " + target.source()),
            small);
    baseline.setSpacingAfter(4);
    doc.add(baseline);
    PdfPTable t = table(new float[] {3.5f, 1.2f, 1.2f, 1.2f, 1.2f, 1.4f});
    header(t, "kpi", "value", "baseline", "change", "target_pct", "status");
    for (TargetJudgement.Verdict v : targets.get().periods().get(0).verdicts())
      cells(
          t,
          t(v.kpi().key),
          num(v.value(), 3),
          num(v.baseline(), 3),
          v.changePct() == null
              ? "–"
              : (v.changePct() > 0 ? "+" : "") + num(v.changePct(), 1) + " %",
          v.targetPct() == null ? "–" : "−" + num(v.targetPct(), 1) + " %",
          t("st_" + v.status().code()));
    doc.add(t);
  }

  /** A parameter's name in the report's language, from the catalog; its code if unknown. */
  private String name(String code) {
    ParameterCatalog.Parameter p = CATALOG.byCode(code);
    return p == null ? code : lang == Lang.VI ? p.nameVi() : p.nameEn();
  }

  private void heading(Document doc, String key) throws DocumentException {
    Paragraph p = new Paragraph(t(key), bold);
    p.setSpacingBefore(10);
    p.setSpacingAfter(4);
    doc.add(p);
  }

  private static PdfPTable table(float[] widths) {
    PdfPTable t = new PdfPTable(widths);
    t.setWidthPercentage(100);
    t.setHeaderRows(1);
    return t;
  }

  private void header(PdfPTable t, String... keys) {
    for (String k : keys) {
      PdfPCell c = new PdfPCell(new Phrase(t(k), bold));
      c.setGrayFill(0.92f);
      t.addCell(c);
    }
  }

  private void row(PdfPTable t, String label, String value) {
    t.addCell(new PdfPCell(new Phrase(label, text)));
    PdfPCell v = new PdfPCell(new Phrase(value, text));
    v.setHorizontalAlignment(Element.ALIGN_RIGHT);
    t.addCell(v);
  }

  private void cells(PdfPTable t, String first, String... rest) {
    t.addCell(new PdfPCell(new Phrase(first, text)));
    for (String s : rest) {
      PdfPCell c = new PdfPCell(new Phrase(s, text));
      c.setHorizontalAlignment(Element.ALIGN_RIGHT);
      t.addCell(c);
    }
  }

  private String t(String key) {
    String[] both = LABELS.get(key);
    if (both == null) return key;
    return both[lang == Lang.VI ? 0 : 1];
  }

  private String num(Double v, int places) {
    if (v == null) return "–";
    // Vietnamese writes a decimal comma
    return String.format(lang == Lang.VI ? VIETNAMESE : Locale.UK, "%,." + places + "f", v);
  }

  private String pct(Double v) {
    return v == null ? "–" : num(v * 100, 1) + " %";
  }

  private String day(Instant t) {
    return DateTimeFormatter.ofPattern("dd/MM/yyyy HH:mm").format(t.atZone(zone));
  }

  private String time(Instant t) {
    return day(t) + " (" + zone.getId() + ")";
  }

  private static BaseFont base(String name, byte[] ttf) {
    try {
      return BaseFont.createFont(name, BaseFont.IDENTITY_H, BaseFont.EMBEDDED, true, ttf, null);
    } catch (DocumentException | IOException e) {
      throw new IllegalStateException("the report font " + name + " could not be loaded", e);
    }
  }

  private static byte[] font(String name) {
    try (InputStream in = ReportPdf.class.getResourceAsStream(FONTS + name)) {
      if (in == null) throw new IllegalStateException("font " + name + " missing from the jar");
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The words of the report: Vietnamese first, then English. */
  private static final Map<String, String[]> LABELS =
      Map.ofEntries(
          Map.entry(
              "title",
              new String[] {
                "Báo cáo kết quả quan trắc nước thải tự động, liên tục",
                "Continuous effluent monitoring report"
              }),
          Map.entry("station", new String[] {"Trạm quan trắc", "Station"}),
          Map.entry("period", new String[] {"Kỳ báo cáo", "Period"}),
          Map.entry("made", new String[] {"Lập lúc", "Made"}),
          Map.entry("summary", new String[] {"Tổng hợp", "Summary"}),
          Map.entry("hours_in_period", new String[] {"Số giờ trong kỳ", "Hours in the period"}),
          Map.entry("hours_monitored", new String[] {"Số giờ có dữ liệu", "Hours with readings"}),
          Map.entry(
              "valid_share",
              new String[] {"Tỷ lệ dữ liệu hợp lệ (00)", "Share of valid readings (00)"}),
          Map.entry("completeness", new String[] {"Độ đầy đủ dữ liệu", "Data completeness"}),
          Map.entry("breach_hours", new String[] {"Số giờ vượt chuẩn", "Hours in breach"}),
          Map.entry("parameters", new String[] {"Kết quả theo thông số", "By parameter"}),
          Map.entry("parameter", new String[] {"Thông số", "Parameter"}),
          Map.entry("unit", new String[] {"Đơn vị", "Unit"}),
          Map.entry("readings", new String[] {"Số giá trị", "Readings"}),
          Map.entry("valid", new String[] {"Hợp lệ", "Valid"}),
          Map.entry("calibrating", new String[] {"Hiệu chuẩn", "Calibrating"}),
          Map.entry("fault", new String[] {"Lỗi thiết bị", "Fault"}),
          Map.entry("mean", new String[] {"Trung bình", "Mean"}),
          Map.entry("min", new String[] {"Nhỏ nhất", "Min"}),
          Map.entry("max", new String[] {"Lớn nhất", "Max"}),
          Map.entry("breaches", new String[] {"Vượt chuẩn theo mức", "Breaches by band"}),
          Map.entry("band", new String[] {"Mức", "Band"}),
          Map.entry("count", new String[] {"Số lần", "Count"}),
          Map.entry("hours", new String[] {"Số giờ", "Hours"}),
          Map.entry("max_factor", new String[] {"Vượt lớn nhất", "Highest factor"}),
          Map.entry("alerts", new String[] {"Cảnh báo", "Alerts"}),
          Map.entry("kind", new String[] {"Loại", "Kind"}),
          Map.entry("acknowledged", new String[] {"Đã xác nhận", "Acknowledged"}),
          Map.entry(
              "median_ack",
              new String[] {
                "Thời gian xác nhận, trung vị (phút)", "Minutes to acknowledge, median"
              }),
          Map.entry("max_ack", new String[] {"Lâu nhất (phút)", "Longest (minutes)"}),
          Map.entry("none", new String[] {"Không có.", "None."}),
          Map.entry(
              "targets",
              new String[] {
                "Sản xuất sạch hơn so với mục tiêu (tháng cuối kỳ)",
                "Cleaner production against the target (the period's last month)"
              }),
          Map.entry("no_target", new String[] {"Chưa đặt mục tiêu.", "No target set."}),
          Map.entry("baseline", new String[] {"Kỳ gốc", "Baseline"}),
          Map.entry("source", new String[] {"Nguồn", "Source"}),
          Map.entry("kpi", new String[] {"Chỉ số", "Indicator"}),
          Map.entry("value", new String[] {"Trong kỳ", "This period"}),
          Map.entry("change", new String[] {"Thay đổi", "Change"}),
          Map.entry("target_pct", new String[] {"Mục tiêu", "Target"}),
          Map.entry("status", new String[] {"Kết quả", "Result"}),
          Map.entry(
              "energy_kwh_per_m3",
              new String[] {
                "Điện năng trên m³ nước thải xử lý (kWh/m³)", "Energy per m³ treated (kWh/m³)"
              }),
          Map.entry(
              "chemical_kg_per_m3",
              new String[] {
                "Hóa chất trên m³ nước thải xử lý (kg/m³)", "Chemical per m³ treated (kg/m³)"
              }),
          Map.entry(
              "energy_kwh_per_unit",
              new String[] {
                "Điện năng trên đơn vị sản phẩm (kWh)", "Energy per unit of product (kWh)"
              }),
          Map.entry("st_met", new String[] {"Đạt", "Met"}),
          Map.entry("st_missed", new String[] {"Không đạt", "Missed"}),
          Map.entry("st_on_track", new String[] {"Đúng hướng", "On track"}),
          Map.entry("st_behind", new String[] {"Chưa đạt", "Behind"}),
          Map.entry("st_no_target", new String[] {"Chưa đặt", "None set"}),
          Map.entry("st_no_data", new String[] {"Thiếu số liệu", "No data"}));
}
