package io.kvraft.linearizability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Checks a recorded history against the model of the key-value contract ({@link KeyModel}): gets,
 * puts, appends, conditional puts, deletes with their revisions, and listing pages. In three
 * passes:
 *
 * <ol>
 *   <li>{@link RevisionOrder}: revisions are log indexes, so writes of all keys go in their order;
 *       that narrows the intervals of writes (or finds two writes with one revision, or a revision
 *       order against real time);
 *   <li>per key, in parallel: keys are independent objects and linearizability is compositional (a
 *       history is linearizable iff each per-object sub-history is), so each key's ops are searched
 *       separately ({@link KeySearch}), which turns one exponential search into many small ones;
 *   <li>{@link ListingCheck}: listing pages span keys, so they are checked against the revisions
 *       instead.
 * </ol>
 *
 * A violation any pass finds is real; passes 1 and 3 do not find every cross-key violation (their
 * class comments say which they miss), pass 2 is exact for the ops of one key.
 */
public final class LinearizabilityChecker {
  private LinearizabilityChecker() {}

  public static Result check(List<Operation> history, Duration timeout) {
    long deadlineNanos = System.nanoTime() + cappedNanos(timeout);
    long originNanos = history.stream().mapToLong(Operation::callNanos).min().orElse(0);
    // Reads with unknown outcome constrain nothing; drop them in case a caller recorded one anyway.
    List<Operation> recorded =
        history.stream().filter(op -> !(op.isOutcomeUnknown() && op.input().isRead())).toList();

    RevisionOrder.Narrowed narrowed = RevisionOrder.narrow(recorded, originNanos);
    if (narrowed.violation() != null) {
      return Result.illegal(narrowed.violation());
    }
    Set<Long> claimed = new HashSet<>();
    for (Operation op : narrowed.history()) {
      if (op.output() instanceof KvOutput.Ok ok) {
        claimed.add(ok.revision());
      }
    }
    Map<String, List<Operation>> byKey = partitionByKey(narrowed.history());
    List<Result> perKey =
        byKey.entrySet().parallelStream()
            .map(
                e ->
                    new KeySearch(
                        e.getKey(),
                        UnobservedWrites.removeFrom(e.getValue()),
                        RevisionChoices.of(e.getValue(), claimed),
                        deadlineNanos,
                        originNanos))
            .map(KeySearch::run)
            .toList(); // keeps the (sorted) key order, so reports are deterministic

    List<String> violations = new ArrayList<>(explanationsOf(perKey, Result.Verdict.ILLEGAL));
    String listing = ListingCheck.check(narrowed.history(), originNanos);
    if (listing != null) {
      violations.add(listing);
    }
    if (!violations.isEmpty()) {
      return Result.illegal(String.join("\n", violations));
    }
    List<String> timeouts = explanationsOf(perKey, Result.Verdict.UNKNOWN);
    if (!timeouts.isEmpty()) {
      return Result.unknown("no verdict within " + timeout + ": " + String.join("; ", timeouts));
    }
    return Result.ok();
  }

  private static Map<String, List<Operation>> partitionByKey(List<Operation> history) {
    return history.stream()
        .filter(op -> !(op.input() instanceof KvOp.ListKeys))
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
