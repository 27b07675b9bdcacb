package io.outfall.ingest.alerts;

/**
 * What the compliance engine reports about itself: how long judging a batch of newly stored
 * readings takes (the engine's share of publish → alert), how many stations wait to be judged again
 * for late readings, and what a re-judgement costs.
 */
public interface ComplianceMetrics {
  /**
   * Batches of stored readings taken, judged and committed: their readings, how many of them were
   * read back from storage (not handed over by this instance's writer), and how long it took.
   */
  void drained(int readings, int readBack, long nanos);

  /**
   * A writer transaction judged its own new readings and committed: how many, and how long from
   * taking the judging to the end of the commit (the part of the writer's transaction that judging
   * holds).
   */
  void judgedInWrite(int readings, long nanos);

  /** The evaluators were built again from storage (leading, a registry change, a failure). */
  void rebuilt();

  /** Stations whose late readings wait to be judged again. */
  void lateStations(int stations);

  /** A station judged again from storage: readings replayed and how long it took in all. */
  void rejudged(long readings, long nanos);

  /** One transaction of a re-judgement (a slice of its replay): readings and how long it took. */
  void rejudgeSlice(long readings, long nanos);

  ComplianceMetrics NONE =
      new ComplianceMetrics() {
        @Override
        public void drained(int readings, int readBack, long nanos) {}

        @Override
        public void judgedInWrite(int readings, long nanos) {}

        @Override
        public void rebuilt() {}

        @Override
        public void lateStations(int stations) {}

        @Override
        public void rejudged(long readings, long nanos) {}

        @Override
        public void rejudgeSlice(long readings, long nanos) {}
      };
}
