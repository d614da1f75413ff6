package io.kvraft.linearizability;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns a failed search into a short explanation: the longest prefix that could be linearized, and
 * the few ops at the point where every ordering got stuck. Those stuck ops (plus the prefix's last
 * writes) are where to look.
 */
final class ViolationReport {
  private static final int PREFIX_TAIL_SHOWN = 5;
  private static final int STUCK_OPS_SHOWN = 10;

  private final String key;
  private final List<Operation> ops;
  private final long originNanos;

  ViolationReport(String key, List<Operation> ops, long originNanos) {
    this.key = key;
    this.ops = ops;
    this.originNanos = originNanos;
  }

  String describe(List<Operation> longestPrefix, KeyState stateAfterPrefix) {
    StringBuilder out = new StringBuilder();
    out.append("key '")
        .append(key)
        .append("' is not linearizable (")
        .append(ops.size())
        .append(" ops, times relative")
        .append(" to the first call). Longest linearizable prefix: ")
        .append(longestPrefix.size())
        .append(" ops, leaving the key ")
        .append(stateAfterPrefix);
    if (!longestPrefix.isEmpty()) {
      out.append("; it ends with:");
      longestPrefix
          .subList(Math.max(0, longestPrefix.size() - PREFIX_TAIL_SHOWN), longestPrefix.size())
          .forEach(op -> out.append("\n    ").append(op.describe(originNanos)));
    }
    List<Operation> stuck = opsThatCouldGoNext(longestPrefix);
    out.append(
        "\n  then none of these can take effect next (each contradicts its result there or later):");
    stuck.stream()
        .limit(STUCK_OPS_SHOWN)
        .forEach(op -> out.append("\n    ").append(op.describe(originNanos)));
    if (stuck.size() > STUCK_OPS_SHOWN) {
      out.append("\n    ... and ").append(stuck.size() - STUCK_OPS_SHOWN).append(" more");
    }
    return out.toString();
  }

  /**
   * After the prefix, only ops called no later than the earliest pending return may be linearized
   * next.
   */
  private List<Operation> opsThatCouldGoNext(List<Operation> prefix) {
    Set<Long> done =
        prefix.stream().map(Operation::id).collect(Collectors.toCollection(HashSet::new));
    List<Operation> remaining = ops.stream().filter(op -> !done.contains(op.id())).toList();
    long earliestReturn =
        remaining.stream().mapToLong(Operation::returnNanos).min().orElse(Long.MAX_VALUE);
    return remaining.stream()
        .filter(op -> op.callNanos() <= earliestReturn)
        .sorted(Comparator.comparingLong(Operation::callNanos))
        .toList();
  }
}
