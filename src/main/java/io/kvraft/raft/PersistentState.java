package io.kvraft.raft;

import java.util.List;

/**
 * What a node finds on disk when it starts: its hard state and the log after the last snapshot (whose index and
 * term are {@code snapshotIndex} / {@code snapshotTerm}, 0 when there is none).
 */
public record PersistentState(
    HardState hardState, List<Entry> entries, long snapshotIndex, long snapshotTerm) {
  public static PersistentState empty() {
    return new PersistentState(HardState.INITIAL, List.of(), 0, 0);
  }
}
