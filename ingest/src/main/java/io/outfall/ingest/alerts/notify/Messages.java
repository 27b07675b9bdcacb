package io.outfall.ingest.alerts.notify;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Alert texts in Vietnamese and English, naming the plant, parameter, value, limit, factor, band
 * and time window. Times are local (Asia/Ho_Chi_Minh), as staff read them.
 */
public final class Messages {
  private static final DateTimeFormatter LOCAL =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.of("Asia/Ho_Chi_Minh"));

  public enum Language {
    VI,
    EN
  }

  private Messages() {}

  public static String subject(AlertNotice n, Language lang) {
    String what = what(n, lang);
    String where = n.station() + (n.parameter() == null ? "" : " " + n.parameter());
    return switch (lang) {
      case VI ->
          "[Outfall] "
              + eventVi(n.event())
              + ": "
              + what
              + " — "
              + where
              + (n.band() == null ? "" : " (mức " + n.band() + ")");
      case EN ->
          "[Outfall] "
              + eventEn(n.event())
              + ": "
              + what
              + " — "
              + where
              + (n.band() == null ? "" : " (band " + n.band() + ")");
    };
  }

  public static String body(AlertNotice n, Language lang) {
    StringBuilder b = new StringBuilder();
    boolean vi = lang == Language.VI;
    line(b, vi ? "Nhà máy / cụm" : "Plant / cluster", n.site());
    line(b, vi ? "Trạm quan trắc" : "Station", n.station());
    line(b, vi ? "Thông số" : "Parameter", n.parameter());
    line(b, vi ? "Loại cảnh báo" : "Alert", what(n, lang));
    if (n.value() != null)
      line(
          b,
          vi
              ? (n.windowStart() != null ? "Giá trị trung bình" : "Giá trị đo")
              : (n.windowStart() != null ? "Mean value" : "Measured value"),
          num(n.value()) + unit(n));
    if (n.peak() != null && !n.peak().equals(n.value()))
      line(b, vi ? "Giá trị cao nhất" : "Worst value", num(n.peak()) + unit(n));
    if (n.limit() != null)
      line(b, vi ? "Giới hạn cho phép (Cmax)" : "Limit (Cmax)", n.limit() + unit(n));
    if (n.factor() != null)
      line(
          b,
          vi ? "Số lần vượt" : "Exceedance factor",
          String.format(Locale.ROOT, "%.2f", n.factor()) + (vi ? " lần" : "×"));
    if (n.band() != null)
      line(b, vi ? "Mức vượt (theo Nghị định 45/2022)" : "Band (Decree 45/2022)", n.band());
    if (n.windowStart() != null)
      line(
          b,
          vi ? "Khoảng thời gian" : "Time window",
          LOCAL.format(n.windowStart()) + " – " + LOCAL.format(n.windowEnd()) + " (GMT+7)");
    line(b, vi ? "Bắt đầu" : "Since", time(n.startedAt()));
    if (n.resolvedAt() != null) line(b, vi ? "Đã hết" : "Resolved", time(n.resolvedAt()));
    line(b, vi ? "Quy chuẩn" : "Standard", n.standard());
    line(b, vi ? "Chi tiết" : "Detail", n.detail());
    line(b, vi ? "Xem" : "View", n.link());
    return b.toString();
  }

  /** Both languages, Vietnamese first: one message for mixed audiences. */
  public static String bilingualBody(AlertNotice n) {
    return body(n, Language.VI) + "\n— English —\n" + body(n, Language.EN);
  }

  private static String what(AlertNotice n, Language lang) {
    boolean vi = lang == Language.VI;
    return switch (n.kind()) {
      case "breach" -> vi ? "vượt quy chuẩn xả thải" : "discharge standard breached";
      case "exceedance" ->
          vi
              ? "giá trị đo vượt giới hạn (cảnh báo sớm)"
              : "reading above the limit (early warning)";
      case "approach" -> vi ? "giá trị đo tiến gần giới hạn" : "readings approaching the limit";
      case "stale" -> vi ? "mất dữ liệu" : "no data";
      case "flat_line" ->
          vi ? "cảm biến không đổi giá trị (nghi kẹt)" : "sensor value not changing (stuck)";
      case "impossible_value" -> vi ? "giá trị phi lý" : "physically impossible value";
      case "prolonged_fault" -> vi ? "thiết bị báo lỗi kéo dài" : "device fault lasting too long";
      case "low_completeness" -> vi ? "thiếu dữ liệu hợp lệ" : "too few valid readings";
      case "transmission_behind" ->
          vi ? "chậm truyền dữ liệu quan trắc về Sở" : "files to the environment department behind";
      case "readings_dropped" ->
          vi
              ? "trạm mất dữ liệu chưa gửi (bộ đệm đầy hoặc quá hạn)"
              : "readings lost at the plant before they were sent";
      default -> n.kind();
    };
  }

  private static String eventVi(String e) {
    return switch (e) {
      case "resolved" -> "Đã hết";
      case "escalated" -> "Chưa xác nhận — chuyển cấp";
      case "worsened" -> "Nặng hơn";
      default -> "Cảnh báo";
    };
  }

  private static String eventEn(String e) {
    return switch (e) {
      case "resolved" -> "Resolved";
      case "escalated" -> "Not acknowledged — escalated";
      case "worsened" -> "Worse";
      default -> "Alert";
    };
  }

  private static void line(StringBuilder b, String label, String value) {
    if (value != null && !value.isBlank()) b.append(label).append(": ").append(value).append('\n');
  }

  private static String unit(AlertNotice n) {
    return n.unit() == null ? "" : " " + n.unit();
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.4g", v);
  }

  private static String time(Instant t) {
    return t == null ? null : LOCAL.format(t) + " (GMT+7)";
  }
}
