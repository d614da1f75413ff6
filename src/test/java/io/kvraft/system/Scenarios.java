package io.kvraft.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

/**
 * Shared knobs of the fault scenarios: how long the load runs (longer with {@code -Dsoak=true}).
 */
final class Scenarios {
  static final boolean SOAK = Boolean.getBoolean("soak");

  private Scenarios() {}

  /**
   * The load duration of one scenario: {@code normalSeconds}, or ten times that (at least two
   * minutes) in a soak.
   */
  static Duration load(int normalSeconds) {
    return Duration.ofSeconds(SOAK ? Math.max(120, normalSeconds * 10L) : normalSeconds);
  }

  static long deadline(Duration d) {
    return System.nanoTime() + d.toNanos();
  }

  static boolean before(long deadlineNanos) {
    return System.nanoTime() < deadlineNanos;
  }

  /** Fails the scenario if it found anything; the report has already been printed. */
  static void assertClean(Workload.Report report) {
    assertThat(report.anomalies()).as(report.summary()).isEmpty();
    assertThat(report.ok()).as("the workload made progress: " + report.summary()).isGreaterThan(50);
  }

  /**
   * Waits until the workload has completed more than {@code atLeast} operations: progress is
   * asserted by count, not by how much a fixed sleep happened to allow on a loaded machine.
   */
  static void awaitProgress(Workload w, long atLeast, String what) {
    long end = deadline(Duration.ofSeconds(60));
    while (w.okCount() <= atLeast && before(end)) {
      KvraftCluster.sleep(100);
    }
    org.assertj.core.api.Assertions.assertThat(w.okCount()).as(what).isGreaterThan(atLeast);
  }
}
