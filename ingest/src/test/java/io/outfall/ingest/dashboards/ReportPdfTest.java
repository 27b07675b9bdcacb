package io.outfall.ingest.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import io.outfall.ingest.targets.TargetJudgement;
import io.outfall.ingest.targets.TargetJudgement.Kpi;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.rendering.PDFRenderer;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;

/**
 * The PDF report read back as a reader would: its text extracted (PDFBox) must be the words
 * written, diacritics and all, and its first page is kept as an image to look at
 * (target/report-pdf/).
 */
class ReportPdfTest {
  static final ZoneId ZONE = ZoneId.of("Asia/Ho_Chi_Minh");
  static final Instant FROM = LocalDate.of(2026, 10, 1).atStartOfDay(ZONE).toInstant();
  static final Instant TO = LocalDate.of(2026, 11, 1).atStartOfDay(ZONE).toInstant();

  static final ComplianceReport.Result REPORT =
      new ComplianceReport.Result(
          "HN-PL-OUT",
          FROM,
          TO,
          744,
          740,
          0.985,
          0.97,
          3.5,
          List.of(
              new ComplianceReport.ParameterMonth(
                  "COD", "mg/L", 8900, 8800, 60, 40, 61.2, 40.0, 402.0, 0.97, 8650, 8928, 5),
              new ComplianceReport.ParameterMonth(
                  "NH4_N", "mg/L", 8900, 8900, 0, 0, 4.1, 1.0, 9.0, 0.99, 8840, 8928, 5)),
          List.of(new ComplianceReport.Breaches("COD", "4", 2, 3.5, 2.68)),
          List.of(new ComplianceReport.AlertKind("breach", "compliance", 2, 2, 7.0, 12.0)));

  static final Optional<PlantKpis.Progress> TARGETS =
      Optional.of(
          new PlantKpis.Progress(
              new TargetJudgement.Target(
                  "plant",
                  "HN-PL",
                  LocalDate.of(2025, 1, 1),
                  LocalDate.of(2026, 1, 1),
                  4.0,
                  8.0,
                  null,
                  null,
                  "cam kết của nhà máy"),
              null,
              LocalDate.of(2026, 10, 31),
              List.of(
                  new PlantKpis.Period(
                      "month",
                      FROM,
                      TO,
                      true,
                      null,
                      List.of(
                          TargetJudgement.judge(Kpi.ENERGY_PER_M3, 0.437, 0.46, 4.0, true),
                          TargetJudgement.judge(Kpi.CHEMICAL_PER_M3, 0.1265, 0.115, 8.0, true),
                          TargetJudgement.judge(Kpi.ENERGY_PER_UNIT, null, null, null, true))))));

  @Test
  void theVietnameseReportReadsBackAsWritten() throws Exception {
    String text = extract("vi", ReportPdf.Lang.VI);
    assertThat(text)
        .contains("Báo cáo kết quả quan trắc nước thải tự động, liên tục")
        .contains("Trạm quan trắc: HN-PL-OUT")
        .contains("Nhu cầu oxy hóa học")
        .contains("Amoni (tính theo N)")
        .contains("Tỷ lệ dữ liệu hợp lệ (00) 98,5 %") // a decimal comma
        // whole rows: the figures under their columns, the verdicts in words
        .contains("Nhu cầu oxy hóa học mg/L 8900 8800 60 40 61,20 40,00 402,00 97,0 %")
        .contains("Điện năng trên m³ nước thải xử lý (kWh/m³) 0,437 0,460 -5,0 % −4,0 % Đạt")
        .contains("Hóa chất trên m³ nước thải xử lý (kg/m³) 0,127 0,115 +10,0 % −8,0 % Không đạt")
        .contains("Điện năng trên đơn vị sản phẩm (kWh) – – – – Chưa đặt")
        .contains("cam kết của nhà máy");
    assertThat(text).contains("Nhu cầu oxy hóa học 4 2 3,50 ×2,68");
  }

  @Test
  void theEnglishReportReadsBackAsWritten() throws Exception {
    String text = extract("en", ReportPdf.Lang.EN);
    assertThat(text)
        .contains("Continuous effluent monitoring report")
        .contains("Chemical oxygen demand")
        .contains("Share of valid readings (00) 98.5 %")
        .contains("Energy per m³ treated (kWh/m³) 0.437 0.460 -5.0 % −4.0 % Met")
        .contains("Chemical per m³ treated (kg/m³) 0.127 0.115 +10.0 % −8.0 % Missed")
        .doesNotContain("Nhu cầu");
  }

  @Test
  void withoutATargetTheReportSaysSo() throws Exception {
    byte[] pdf =
        ReportPdf.render(
            REPORT, Optional.empty(), "10/2026", ReportPdf.Lang.VI, ZONE, TO.plusSeconds(60));
    try (PDDocument doc = Loader.loadPDF(pdf)) {
      assertThat(new PDFTextStripper().getText(doc)).contains("Chưa đặt mục tiêu.");
    }
  }

  private static String extract(String name, ReportPdf.Lang lang) throws Exception {
    byte[] pdf = ReportPdf.render(REPORT, TARGETS, "10/2026", lang, ZONE, TO.plusSeconds(60));
    assertThat(new String(pdf, 0, 5, "US-ASCII")).isEqualTo("%PDF-");
    try (PDDocument doc = Loader.loadPDF(pdf)) {
      Path dir = Files.createDirectories(Path.of("target", "report-pdf"));
      BufferedImage page = new PDFRenderer(doc).renderImageWithDPI(0, 110);
      ImageIO.write(page, "png", dir.resolve("report-" + name + ".png").toFile());
      Files.write(dir.resolve("report-" + name + ".pdf"), pdf);
      return new PDFTextStripper().getText(doc);
    }
  }
}
