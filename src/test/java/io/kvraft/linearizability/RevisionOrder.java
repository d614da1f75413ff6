package io.kvraft.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What revisions say across keys. Revisions are log indexes: one per write, and applied in their
 * order, so in any linearization the writes of all keys go in order of revision, and an op that saw
 * revision r (a read's or a 412's ETag, a write's own) comes after the write with revision r.
 * Per-key searches cannot see that, so this pass turns it into narrower intervals before the
 * history is split by key:
 *
 * <ul>
 *   <li>a write with revision R took effect before any op that saw a revision {@code >= R} returned
 *       (it precedes the write with that revision, which precedes the op);
 *   <li>it took effect after every write with a lower revision was called.
 * </ul>
 *
 * Both follow from the model, so narrowing never rejects a linearizable history; it lets the
 * per-key searches reject, for example, a read of key x that misses a write of x although a write
 * of key y with a higher revision had returned before the read was called. Two writes answering the
 * same revision, or a write whose narrowed interval is empty, are violations found here.
 *
 * <p>Not every cross-key violation is found: an order forced inside one key's search (say a read of
 * x that pins a write of x late) is not carried over to the other keys.
 */
final class RevisionOrder {
  /** The narrowed history, or the violation that made it impossible. */
  record Narrowed(List<Operation> history, String violation) {}

  private RevisionOrder() {}

  static Narrowed narrow(List<Operation> history, long originNanos) {
    Map<Long, Operation> byRevision = new HashMap<>();
    for (Operation op : history) {
      if (op.output() instanceof KvOutput.Ok ok) {
        Operation other = byRevision.putIfAbsent(ok.revision(), op);
        if (other != null) {
          return new Narrowed(
              history,
              "two writes answered revision "
                  + ok.revision()
                  + ", a log index only one entry has:\n    "
                  + other.describe(originNanos)
                  + "\n    "
                  + op.describe(originNanos));
        }
      }
    }
    // For each revision seen, the earliest return of an op that saw it or a higher one.
    TreeMap<Long, Long> earliestReturnSeeingAtLeast = new TreeMap<>(Comparator.reverseOrder());
    for (Operation op : history) {
      long seen = op.output() == null ? 0 : op.output().witnessedRevision();
      if (seen > 0) {
        earliestReturnSeeingAtLeast.merge(seen, op.returnNanos(), Math::min);
      }
    }
    long running = Long.MAX_VALUE;
    for (Map.Entry<Long, Long> e : earliestReturnSeeingAtLeast.entrySet()) {
      running = Math.min(running, e.getValue());
      e.setValue(running);
    }
    // For each write's revision, the latest call of a write with a lower revision.
    TreeMap<Long, Long> latestCallBelow = new TreeMap<>();
    long latest = Long.MIN_VALUE;
    for (Map.Entry<Long, Operation> e : new TreeMap<>(byRevision).entrySet()) {
      latestCallBelow.put(e.getKey(), latest);
      latest = Math.max(latest, e.getValue().callNanos());
    }

    List<Operation> narrowed = new ArrayList<>(history.size());
    for (Operation op : history) {
      if (!(op.output() instanceof KvOutput.Ok ok)) {
        narrowed.add(op);
        continue;
      }
      long call = Math.max(op.callNanos(), latestCallBelow.get(ok.revision()));
      long ret = Math.min(op.returnNanos(), earliestReturnSeeingAtLeast.get(ok.revision()));
      if (call > ret) {
        return new Narrowed(history, emptyInterval(op, ok.revision(), history, originNanos));
      }
      narrowed.add(call == op.callNanos() && ret == op.returnNanos() ? op : op.within(call, ret));
    }
    return new Narrowed(narrowed, null);
  }

  private static String emptyInterval(
      Operation write, long revision, List<Operation> history, long originNanos) {
    Operation lowerCalledLate =
        history.stream()
            .filter(op -> op.output() instanceof KvOutput.Ok ok && ok.revision() <= revision)
            .max(Comparator.comparingLong(Operation::callNanos))
            .orElseThrow();
    Operation higherSeenEarly =
        history.stream()
            .filter(op -> op.output() != null && op.output().witnessedRevision() >= revision)
            .min(Comparator.comparingLong(Operation::returnNanos))
            .orElseThrow();
    return "revisions contradict real time: write #"
        + write.id()
        + " got revision "
        + revision
        + ", so it took effect after this write (itself or one with a lower revision) was called\n    "
        + lowerCalledLate.describe(originNanos)
        + "\n  and before this op, which saw revision "
        + higherSeenEarly.output().witnessedRevision()
        + ", returned\n    "
        + higherSeenEarly.describe(originNanos);
  }
}
