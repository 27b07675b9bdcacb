package io.outfall.ingest.access;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows password guessing: after {@code maxFailures} failed logins within the window, for one user
 * name or from one address, further attempts are refused until the oldest failure leaves the
 * window. Per ingest instance, in memory: behind a load balancer an attacker gets this many tries
 * per instance.
 */
final class LoginThrottle {
  private final int maxFailures;
  private final long windowNanos;
  private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

  LoginThrottle(int maxFailures, Duration window) {
    this.maxFailures = maxFailures;
    this.windowNanos = window.toNanos();
  }

  /** Seconds to wait before {@code key} may try again; 0 when it may try now. */
  long retryAfterSeconds(String key) {
    Deque<Long> d = failures.get(key);
    if (d == null) return 0;
    synchronized (d) {
      long now = System.nanoTime();
      while (!d.isEmpty() && now - d.peekFirst() > windowNanos) d.pollFirst();
      if (d.size() < maxFailures) return 0;
      return Math.max(1, (windowNanos - (now - d.peekFirst())) / 1_000_000_000L + 1);
    }
  }

  void failed(String key) {
    if (failures.size() > 100_000) failures.clear(); // bounded memory under a spray of names
    Deque<Long> d = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
    synchronized (d) {
      d.addLast(System.nanoTime());
      while (d.size() > maxFailures) d.pollFirst();
    }
  }

  void succeeded(String key) {
    failures.remove(key);
  }
}
