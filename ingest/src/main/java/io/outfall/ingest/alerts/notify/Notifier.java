package io.outfall.ingest.alerts.notify;

/**
 * One way of telling people about an alert. Implementations throw when delivery failed, so that it
 * is retried.
 */
public interface Notifier {
  /** The outbox channel name: email, webhook, alertmanager. */
  String channel();

  void send(AlertNotice notice) throws Exception;
}
