package io.kvraft.raft;

/**
 * The last log entry a snapshot covers: its index and term (Raft §7, lastIncludedIndex /
 * lastIncludedTerm).
 */
public record SnapshotMeta(long index, long term) {
  public SnapshotMeta {
    if (index < 1 || term < 1) {
      throw new IllegalArgumentException("bad snapshot index=" + index + " term=" + term);
    }
  }
}
