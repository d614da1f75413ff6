package io.kvraft.raft.log;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import java.util.List;
import java.util.Objects;

/**
 * The durable Raft state read back at start-up. {@code entries} start at {@code snapshotIndex + 1}.
 */
public record RecoveredState(
    HardState hardState, List<Entry> entries, long snapshotIndex, long snapshotTerm) {
  public RecoveredState {
    Objects.requireNonNull(hardState, "hardState");
    entries = List.copyOf(entries);
    if (!entries.isEmpty() && entries.get(0).index() != snapshotIndex + 1) {
      throw new IllegalArgumentException(
          "entries start at " + entries.get(0).index() + ", expected " + (snapshotIndex + 1));
    }
  }

  public long lastIndex() {
    return entries.isEmpty() ? snapshotIndex : entries.get(entries.size() - 1).index();
  }
}
