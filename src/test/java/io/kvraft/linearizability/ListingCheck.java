package io.kvraft.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks listing pages, which span keys and so cannot go into the per-key searches. A page is
 * linearizable only if it shows the keys present at one point of the single order of all ops; since
 * writes go in order of revision (log index), such a point is a revision G, and a key is present at
 * G iff the last write of it with a revision {@code <= G} is not a delete. So a page passes iff
 * some G works:
 *
 * <ul>
 *   <li>G is at least every revision seen by an op that returned before the page was called (those
 *       ops, and the writes they saw, come before it), and below the revision of every write called
 *       after it returned;
 *   <li>every key the page shows is present at G, and every key in its range present at G is shown,
 *       up to its last key when the page is full (the limit cut the rest off).
 * </ul>
 *
 * A key with a write whose revision is unknown (outcome unknown, or not recorded), called before
 * the page returned, may be present or absent: that write may have taken effect at any revision.
 * Keys no op of the history writes are absent (each history starts from an empty range of keys).
 *
 * <p>Why a separate pass rather than listings inside the search: searching the whole history at
 * once, unpartitioned, is exponential in the number of keys with concurrent ops, and real runs have
 * thousands of ops. Revisions make the separate pass sound (a page that fails here fails in every
 * linearization) and cheap, at a price: it is not complete. Every G it tries fits the revisions,
 * but the page's point is not matched against the points the per-key searches chose, so a page that
 * only contradicts, say, a read of one key (not a write) passes.
 */
final class ListingCheck {
  private enum Presence {
    PRESENT,
    ABSENT,
    MAYBE
  }

  /** One key's writes with a known revision, in revision order, and what they leave. */
  private record KeyWrites(long[] revisions, boolean[] presentAfter, long firstUncertainCall) {
    Presence at(long g, long pageReturn) {
      if (firstUncertainCall <= pageReturn) {
        return Presence.MAYBE;
      }
      int i = Arrays.binarySearch(revisions, g);
      int last = i >= 0 ? i : -i - 2; // the last write with revision <= g
      return last >= 0 && presentAfter[last] ? Presence.PRESENT : Presence.ABSENT;
    }
  }

  private static final KeyWrites NEVER_WRITTEN =
      new KeyWrites(new long[0], new boolean[0], Long.MAX_VALUE);

  private final List<Operation> history;
  private final long originNanos;
  private final Map<String, KeyWrites> writesByKey = new HashMap<>();
  private final TreeSet<String> keysWritten = new TreeSet<>();

  /** Ops that saw a revision, by return time, with the highest revision seen up to each. */
  private final long[] witnessReturns;

  private final long[] highestSeenUpTo;

  /** Writes with a known revision, by call time, with the lowest revision from each on. */
  private final long[] writeCalls;

  private final long[] lowestRevisionFrom;

  private ListingCheck(List<Operation> history, long originNanos) {
    this.history = history;
    this.originNanos = originNanos;
    Map<String, List<Operation>> writes = new HashMap<>();
    for (Operation op : history) {
      if (!op.input().isRead()) {
        writes.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
      }
    }
    writes.forEach((key, ops) -> writesByKey.put(key, keyWrites(ops)));
    keysWritten.addAll(writes.keySet());

    List<Operation> witnesses =
        history.stream()
            .filter(op -> op.output() != null && op.output().witnessedRevision() > 0)
            .sorted(Comparator.comparingLong(Operation::returnNanos))
            .toList();
    witnessReturns = new long[witnesses.size()];
    highestSeenUpTo = new long[witnesses.size()];
    long highest = 0;
    for (int i = 0; i < witnesses.size(); i++) {
      witnessReturns[i] = witnesses.get(i).returnNanos();
      highest = Math.max(highest, witnesses.get(i).output().witnessedRevision());
      highestSeenUpTo[i] = highest;
    }
    List<Operation> known =
        history.stream()
            .filter(op -> op.output() instanceof KvOutput.Ok)
            .sorted(Comparator.comparingLong(Operation::callNanos))
            .toList();
    writeCalls = new long[known.size()];
    lowestRevisionFrom = new long[known.size()];
    long lowest = Long.MAX_VALUE;
    for (int i = known.size() - 1; i >= 0; i--) {
      writeCalls[i] = known.get(i).callNanos();
      lowest = Math.min(lowest, ((KvOutput.Ok) known.get(i).output()).revision());
      lowestRevisionFrom[i] = lowest;
    }
  }

  /**
   * @return null when every page passes, else why the first failing one cannot have been read
   */
  static String check(List<Operation> history, long originNanos) {
    if (history.stream().noneMatch(op -> op.input() instanceof KvOp.ListKeys)) {
      return null;
    }
    ListingCheck check = new ListingCheck(history, originNanos);
    for (Operation op : history) {
      if (op.input() instanceof KvOp.ListKeys && op.output() != null) {
        String why = check.whyNot(op);
        if (why != null) {
          return why;
        }
      }
    }
    return null;
  }

  private static KeyWrites keyWrites(List<Operation> ops) {
    List<Operation> known =
        ops.stream()
            .filter(op -> op.output() instanceof KvOutput.Ok)
            .sorted(Comparator.comparingLong(op -> ((KvOutput.Ok) op.output()).revision()))
            .toList();
    long[] revisions = new long[known.size()];
    boolean[] present = new boolean[known.size()];
    for (int i = 0; i < known.size(); i++) {
      revisions[i] = ((KvOutput.Ok) known.get(i).output()).revision();
      present[i] = !(known.get(i).input() instanceof KvOp.Delete);
    }
    long firstUncertainCall =
        ops.stream()
            .filter(op -> op.output() == null || op.output() instanceof KvOutput.Ack)
            .mapToLong(Operation::callNanos)
            .min()
            .orElse(Long.MAX_VALUE);
    return new KeyWrites(revisions, present, firstUncertainCall);
  }

  private String whyNot(Operation page) {
    KvOp.ListKeys listing = (KvOp.ListKeys) page.input();
    List<String> shown = ((KvOutput.Keys) page.output()).keys();
    for (int i = 0; i < shown.size(); i++) {
      if (!listing.covers(shown.get(i))
          || (i > 0 && shown.get(i - 1).compareTo(shown.get(i)) >= 0)) {
        return describe(page, "its keys are not ascending, distinct and in its range");
      }
    }
    if (shown.size() > listing.limit()) {
      return describe(page, "it shows more keys than its limit");
    }
    long lo = highestSeenBefore(page.callNanos());
    long hi = lowestWrittenAfter(page.returnNanos());
    Set<String> range = new TreeSet<>(shown);
    for (String key : keysWritten.tailSet(listing.prefix(), true)) {
      if (!key.startsWith(listing.prefix())) {
        break;
      }
      if (listing.covers(key)) {
        range.add(key);
      }
    }
    TreeSet<Long> points = new TreeSet<>();
    if (lo < hi) {
      points.add(lo);
      for (String key : range) {
        for (long r : writesByKey.getOrDefault(key, NEVER_WRITTEN).revisions()) {
          if (r > lo && r < hi) {
            points.add(r);
          }
        }
      }
    }
    String firstMismatch = null;
    for (long g : points) {
      String mismatch = mismatchAt(g, page, shown, range);
      if (mismatch == null) {
        return null;
      }
      if (firstMismatch == null) {
        firstMismatch = mismatch;
      }
    }
    return describe(
        page,
        "no revision fits it: it must lie in ["
            + lo
            + ", "
            + (hi == Long.MAX_VALUE ? "∞" : Long.toString(hi))
            + ") by the ops before and after it"
            + (firstMismatch == null ? "" : ", and at " + lo + " " + firstMismatch));
  }

  private String mismatchAt(long g, Operation page, List<String> shown, Set<String> range) {
    KvOp.ListKeys listing = (KvOp.ListKeys) page.input();
    String last = shown.size() == listing.limit() ? shown.get(shown.size() - 1) : null;
    Set<String> shownSet = new HashSet<>(shown);
    for (String key : range) {
      if (last != null && key.compareTo(last) > 0) {
        break;
      }
      Presence p = writesByKey.getOrDefault(key, NEVER_WRITTEN).at(g, page.returnNanos());
      if (p == Presence.PRESENT && !shownSet.contains(key)) {
        return "'" + key + "' exists but is not shown";
      }
      if (p == Presence.ABSENT && shownSet.contains(key)) {
        return "'" + key + "' is shown but absent";
      }
    }
    return null;
  }

  private long highestSeenBefore(long call) {
    int n = countBelow(witnessReturns, call);
    return n == 0 ? 0 : highestSeenUpTo[n - 1];
  }

  private long lowestWrittenAfter(long ret) {
    int n = countAtOrBelow(writeCalls, ret);
    return n == writeCalls.length ? Long.MAX_VALUE : lowestRevisionFrom[n];
  }

  /** How many of the sorted {@code times} are strictly below {@code t}. */
  private static int countBelow(long[] times, long t) {
    int lo = 0;
    int hi = times.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (times[mid] < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static int countAtOrBelow(long[] times, long t) {
    return t == Long.MAX_VALUE ? times.length : countBelow(times, t + 1);
  }

  private String describe(Operation page, String why) {
    return "listing is not linearizable: "
        + why
        + " ("
        + history.size()
        + " ops, times relative to the first call)\n    "
        + page.describe(originNanos);
  }
}
