package io.kvraft.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sanity check that a history the size of a real test run is decided, not that it is fast: no
 * timing assertion, only a generous timeout, so a slow CI machine cannot make it flaky.
 */
class CheckerPerformanceTest {
  @Test
  void fiveClientsThreeThousandOpsFiveKeysIsLinearizable() {
    List<Operation> history =
        SimulatedKvWorkload.generate(42, 5, 3000, List.of("k1", "k2", "k3", "k4", "k5"), 0.01);
    long start = System.nanoTime();
    Result result = LinearizabilityChecker.check(history, Duration.ofSeconds(30));
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("checked %d ops in %d ms: %s%n", history.size(), millis, result.verdict());
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void everyOperationThreeThousandOpsFiveKeysIsLinearizable() {
    List<Operation> history =
        SimulatedKvWorkload.generateAllOperations(
            42, 8, 3000, List.of("k1", "k2", "k3", "k4", "k5"), 0.02);
    long start = System.nanoTime();
    Result result = LinearizabilityChecker.check(history, Duration.ofSeconds(30));
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.printf(
        "checked %d ops of every kind in %d ms: %s%n", history.size(), millis, result.verdict());
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void thousandsOfOpsOnOneKeyWithFifteenClientsIsLinearizable() {
    List<Operation> history = SimulatedKvWorkload.generate(7, 15, 3000, List.of("hot"), 0.01);
    Result result = LinearizabilityChecker.check(history, Duration.ofSeconds(30));
    assertThat(result.isOk()).as(result.toString()).isTrue();
  }

  @Test
  void zeroTimeoutGivesUnknownRatherThanAWrongVerdict() {
    List<Operation> history = SimulatedKvWorkload.generate(42, 5, 3000, List.of("k1"), 0.01);
    Result result = LinearizabilityChecker.check(history, Duration.ZERO);
    assertThat(result.verdict()).as(result.toString()).isEqualTo(Result.Verdict.UNKNOWN);
  }
}
