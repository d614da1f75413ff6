package io.kvraft.linearizability;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The revisions worth trying for a write of one key that took effect at an unrecorded revision (its
 * outcome unknown, or recorded as a bare {@link KvOutput.Ack}). Any revision above the key's
 * current one is possible, but only two kinds can make a difference:
 *
 * <ul>
 *   <li>a revision some op of this key saw or expected (a read's or a 412's ETag, an If-Match) and
 *       no completed write claims: the write may be what those ops saw;
 *   <li>otherwise no op mentions the revision, and the smallest such one is as good as any: nothing
 *       compares with it except later writes of the key, whose revisions must exceed it, and a
 *       smaller one makes that easier.
 * </ul>
 *
 * A revision a completed write claims is never offered: two writes cannot share a log index.
 */
final class RevisionChoices {
  /** Revisions this key's ops mention that no completed write claims, as candidates. */
  private final NavigableSet<Long> unclaimed = new TreeSet<>();

  /**
   * Everything a fresh revision must avoid (mentioned here or claimed anywhere) as runs of
   * consecutive revisions, first to last: claimed revisions are nearly consecutive log indexes, so
   * the next free one is found in one lookup rather than by stepping through thousands.
   */
  private final TreeMap<Long, Long> takenRuns = new TreeMap<>();

  private RevisionChoices(Set<Long> taken) {
    Long first = null;
    long last = 0;
    for (long r : new TreeSet<>(taken)) {
      if (first != null && r == last + 1) {
        last = r;
        continue;
      }
      if (first != null) {
        takenRuns.put(first, last);
      }
      first = r;
      last = r;
    }
    if (first != null) {
      takenRuns.put(first, last);
    }
  }

  /**
   * @param keyOps the ops of one key
   * @param claimed the revisions completed writes of every key answered
   */
  static RevisionChoices of(List<Operation> keyOps, Set<Long> claimed) {
    Set<Long> mentioned = new TreeSet<>();
    for (Operation op : keyOps) {
      if (op.output() != null && !(op.output() instanceof KvOutput.Ok)) {
        long seen = op.output().witnessedRevision();
        if (seen > 0) {
          mentioned.add(seen);
        }
      }
      if (op.input() instanceof KvOp.PutIfMatch cas) {
        mentioned.add(cas.expected());
      } else if (op.input() instanceof KvOp.Delete d && d.expected() > 0) {
        mentioned.add(d.expected());
      }
    }
    Set<Long> taken = new TreeSet<>(claimed);
    taken.addAll(mentioned);
    RevisionChoices choices = new RevisionChoices(taken);
    for (long r : mentioned) {
      if (!claimed.contains(r)) {
        choices.unclaimed.add(r);
      }
    }
    return choices;
  }

  /**
   * The candidates above {@code current}: the unclaimed ones in ascending order (what reads saw is
   * the likelier answer), then a fresh one.
   */
  List<Long> after(long current) {
    List<Long> result = new ArrayList<>(unclaimed.tailSet(current, false));
    long fresh = current + 1;
    Map.Entry<Long, Long> run = takenRuns.floorEntry(fresh);
    if (run != null && run.getValue() >= fresh) {
      fresh = run.getValue() + 1;
    }
    result.add(fresh);
    return result;
  }

  /** Whether some op of the key mentions a revision that no completed write claims. */
  boolean anyUnclaimed() {
    return !unclaimed.isEmpty();
  }
}
