package io.kvraft.raft.log;

import io.kvraft.raft.Entry;
import java.util.List;

/**
 * The preconditions of {@link RaftStorage#append}, shared so both implementations refuse the same
 * calls.
 */
final class AppendRules {
  private AppendRules() {}

  static void check(List<Entry> entries, long snapshotIndex, long lastIndex) {
    long first = entries.get(0).index();
    for (int i = 1; i < entries.size(); i++) {
      if (entries.get(i).index() != first + i) {
        throw new IllegalArgumentException(
            "entries are not contiguous at position " + i + ": " + entries.get(i));
      }
    }
    if (first <= snapshotIndex) {
      throw new IllegalArgumentException(
          "index " + first + " is already compacted into the snapshot up to " + snapshotIndex);
    }
    if (first > lastIndex + 1) {
      throw new IllegalArgumentException(
          "index " + first + " would leave a gap after last index " + lastIndex);
    }
  }
}
