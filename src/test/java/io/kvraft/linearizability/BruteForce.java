package io.kvraft.linearizability;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The definition of linearizability for the whole contract, searched literally, for small histories
 * only: some total order of all ops that respects real time (p before q if p returned before q was
 * called) in which every op answers what {@link KeyModel} says, revisions of writes grow across all
 * keys (they are log indexes), and each listing shows the keys present at its place in the order. A
 * write at an unrecorded revision tries every revision not taken by a completed write, up to a
 * bound beyond every revision the history mentions. None of the checker's shortcuts: no
 * partitioning, no narrowing, no forced moves, no dropped ops, no candidate revisions.
 */
final class BruteForce {
  private final List<Operation> ops;
  private final Set<Long> claimed = new HashSet<>();
  private final long maxRevision;

  private BruteForce(List<Operation> history) {
    this.ops =
        history.stream().filter(op -> !(op.isOutcomeUnknown() && op.input().isRead())).toList();
    long max = 0;
    for (Operation op : ops) {
      if (op.output() instanceof KvOutput.Ok ok) {
        claimed.add(ok.revision());
      }
      max = Math.max(max, op.output() == null ? 0 : op.output().witnessedRevision());
      if (op.input() instanceof KvOp.PutIfMatch cas) {
        max = Math.max(max, cas.expected());
      } else if (op.input() instanceof KvOp.Delete d) {
        max = Math.max(max, d.expected());
      }
    }
    // Every write may need a revision of its own above everything mentioned.
    this.maxRevision = max + ops.size() + 1;
  }

  static boolean isLinearizable(List<Operation> history) {
    BruteForce search = new BruteForce(history);
    return search.extend(new boolean[search.ops.size()], 0, new TreeMap<>(), 0);
  }

  private boolean extend(
      boolean[] done, int doneCount, TreeMap<String, KeyState> state, long lastRevision) {
    if (doneCount == ops.size()) {
      return true;
    }
    for (int i = 0; i < ops.size(); i++) {
      Operation op = ops.get(i);
      if (done[i] || !mayGoNext(done, op)) {
        continue;
      }
      done[i] = true;
      boolean found = false;
      if (op.input() instanceof KvOp.ListKeys listing) {
        found =
            shows(state, listing, ((KvOutput.Keys) op.output()).keys())
                && extend(done, doneCount + 1, state, lastRevision);
      } else {
        KeyState before = state.getOrDefault(op.key(), KeyState.INITIAL);
        for (KeyState after :
            KeyModel.step(before, op.input(), op.output(), r -> unclaimedAbove(lastRevision))) {
          if (after.revision() != before.revision() && after.revision() <= lastRevision) {
            continue; // a write's log index is above every earlier write's, of any key
          }
          TreeMap<String, KeyState> next = new TreeMap<>(state);
          next.put(op.key(), after);
          if (extend(done, doneCount + 1, next, Math.max(lastRevision, after.revision()))) {
            found = true;
            break;
          }
        }
      }
      done[i] = false;
      if (found) {
        return true;
      }
    }
    return false;
  }

  private List<Long> unclaimedAbove(long lastRevision) {
    List<Long> all = new ArrayList<>();
    for (long r = lastRevision + 1; r <= maxRevision; r++) {
      if (!claimed.contains(r)) {
        all.add(r);
      }
    }
    return all;
  }

  private static boolean shows(
      TreeMap<String, KeyState> state, KvOp.ListKeys listing, List<String> shown) {
    List<String> expected = new ArrayList<>();
    for (Map.Entry<String, KeyState> e : state.entrySet()) {
      if (listing.covers(e.getKey())
          && e.getValue().present()
          && expected.size() < listing.limit()) {
        expected.add(e.getKey());
      }
    }
    return expected.equals(shown);
  }

  private boolean mayGoNext(boolean[] done, Operation candidate) {
    for (int j = 0; j < ops.size(); j++) {
      if (!done[j] && ops.get(j).returnNanos() < candidate.callNanos()) {
        return false;
      }
    }
    return true;
  }
}
