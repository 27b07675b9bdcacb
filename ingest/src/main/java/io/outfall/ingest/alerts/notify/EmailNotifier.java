package io.outfall.ingest.alerts.notify;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

/** Plain-text e-mail over SMTP, Vietnamese first then English. */
public final class EmailNotifier implements Notifier {
  private final Session session;
  private final String from;
  private final InternetAddress[] to;

  public EmailNotifier(String host, int port, String from, String to) throws Exception {
    Properties p = new Properties();
    p.put("mail.smtp.host", host);
    p.put("mail.smtp.port", Integer.toString(port));
    p.put("mail.smtp.connectiontimeout", "5000");
    p.put("mail.smtp.timeout", "10000");
    this.session = Session.getInstance(p);
    this.from = from;
    this.to = InternetAddress.parse(to);
  }

  @Override
  public String channel() {
    return "email";
  }

  @Override
  public void send(AlertNotice n) throws Exception {
    MimeMessage m = new MimeMessage(session);
    m.setFrom(new InternetAddress(from));
    m.setRecipients(Message.RecipientType.TO, to);
    m.setSubject(
        Messages.subject(n, Messages.Language.VI)
            + " / "
            + Messages.subject(n, Messages.Language.EN).replace("[Outfall] ", ""),
        StandardCharsets.UTF_8.name());
    m.setText(Messages.bilingualBody(n), StandardCharsets.UTF_8.name());
    m.setHeader("X-Outfall-Alert", Long.toString(n.alertId()));
    Transport.send(m);
  }
}
