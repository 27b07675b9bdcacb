package io.outfall.ingest.alerts;

import io.outfall.compliance.evaluation.Episode;
import io.outfall.compliance.evaluation.WindowResult;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The alert changes the evaluators ask for while the engine judges, kept until its transaction is
 * about to commit and then written with as few statements as their order allows.
 *
 * <p>Why: at a window boundary a province's breaches open together, and one statement each (two
 * with the breaching window) was most of the engine's transaction, which every alert of that
 * boundary waits for. Changes to different alerts (station, parameter, kind) do not depend on each
 * other, so they are written in rounds: the first change of every alert, then the second, and so
 * on, each round one statement per kind of change. Changes to the same alert keep their order; the
 * breaching window that opens a breach is written with the opening.
 */
final class AlertChanges {
  private record AlertKey(String station, String parameter, String kind) {}

  private sealed interface Change permits Open, Window, Close {}

  /** An opening; the breaching window that follows it at once is folded into it. */
  private static final class Open implements Change {
    AlertStore.Opening opening;

    Open(AlertStore.Opening opening) {
      this.opening = opening;
    }
  }

  private record Window(WindowResult window) implements Change {}

  private record Close(Episode episode) implements Change {}

  private final List<List<Change>> rounds = new ArrayList<>();
  private final Map<AlertKey, Integer> changesPerAlert = new HashMap<>();

  /** Each alert's latest change. */
  private final Map<AlertKey, Change> latest = new HashMap<>();

  void opened(Episode e, String standard) {
    add(key(e), new Open(new AlertStore.Opening(e, standard)));
  }

  void breachWindow(WindowResult w) {
    AlertKey key = new AlertKey(w.station(), w.parameter(), Episode.Kind.BREACH.label());
    // the window that opened a breach goes into its opening: one statement instead of two
    if (latest.get(key) instanceof Open o && o.opening.window() == null)
      o.opening = o.opening.with(w);
    else add(key, new Window(w));
  }

  void closed(Episode e) {
    add(key(e), new Close(e));
  }

  private static AlertKey key(Episode e) {
    return new AlertKey(e.station(), e.parameter(), e.kind().label());
  }

  private void add(AlertKey key, Change change) {
    latest.put(key, change);
    int round = changesPerAlert.merge(key, 1, Integer::sum) - 1;
    if (round == rounds.size()) rounds.add(new ArrayList<>());
    rounds.get(round).add(change);
  }

  /**
   * Writes every change kept, in {@code c}'s transaction, and forgets them; how many there were.
   */
  int write(Connection c, AlertStore store) throws SQLException {
    int written = changesPerAlert.values().stream().mapToInt(Integer::intValue).sum();
    try {
      for (List<Change> round : rounds) {
        List<AlertStore.Opening> opens = new ArrayList<>();
        List<WindowResult> windows = new ArrayList<>();
        List<Episode> closes = new ArrayList<>();
        for (Change change : round) {
          if (change instanceof Open o) opens.add(o.opening);
          else if (change instanceof Window w) windows.add(w.window());
          else if (change instanceof Close x) closes.add(x.episode());
        }
        store.openAll(c, opens);
        store.breachWindows(c, windows);
        store.closeAll(c, closes);
      }
    } finally {
      discard();
    }
    return written;
  }

  /** Forgets every change kept (its transaction failed: the engine rebuilds from storage). */
  void discard() {
    rounds.clear();
    changesPerAlert.clear();
    latest.clear();
  }
}
