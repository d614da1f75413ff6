package io.kvraft.linearizability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Checks a recorded history against a per-key register model. Keys are independent objects, and
 * linearizability is compositional (a history is linearizable iff each per-object sub-history is),
 * so each key is searched separately, in parallel; that turns one exponential search into many
 * small ones.
 */
public final class LinearizabilityChecker {
  private LinearizabilityChecker() {}

  public static Result check(List<Operation> history, Duration timeout) {
    long deadlineNanos = System.nanoTime() + cappedNanos(timeout);
    long originNanos = history.stream().mapToLong(Operation::callNanos).min().orElse(0);
    Map<String, List<Operation>> byKey = partitionByKey(history);

    List<Result> perKey =
        byKey.entrySet().parallelStream()
            .map(
                e ->
                    new KeySearch(
                        e.getKey(),
                        UnobservedWrites.removeFrom(e.getValue()),
                        deadlineNanos,
                        originNanos))
            .map(KeySearch::run)
            .toList(); // keeps the (sorted) key order, so reports are deterministic

    List<String> violations = explanationsOf(perKey, Result.Verdict.ILLEGAL);
    if (!violations.isEmpty()) {
      return Result.illegal(String.join("\n", violations));
    }
    List<String> timeouts = explanationsOf(perKey, Result.Verdict.UNKNOWN);
    if (!timeouts.isEmpty()) {
      return Result.unknown("no verdict within " + timeout + ": " + String.join("; ", timeouts));
    }
    return Result.ok();
  }

  /**
   * Reads with unknown outcome constrain nothing and are dropped, in case a caller recorded one
   * anyway.
   */
  private static Map<String, List<Operation>> partitionByKey(List<Operation> history) {
    return history.stream()
        .filter(op -> !(op.isOutcomeUnknown() && op.input() instanceof KvOp.Get))
        .collect(
            Collectors.groupingBy(
                Operation::key, TreeMap::new, Collectors.toCollection(ArrayList::new)));
  }

  private static List<String> explanationsOf(List<Result> results, Result.Verdict verdict) {
    return results.stream().filter(r -> r.verdict() == verdict).map(Result::explanation).toList();
  }

  /** Avoids overflow of "now + timeout" for huge timeouts. */
  private static long cappedNanos(Duration timeout) {
    return timeout.compareTo(Duration.ofDays(365)) > 0
        ? Duration.ofDays(365).toNanos()
        : timeout.toNanos();
  }
}
