package io.kvraft.raft;

import java.util.List;

/**
 * What a node finds on disk when it starts: its hard state and the log after {@code snapshotIndex}
 * / {@code snapshotTerm} (0 when nothing was compacted), and {@code appliedIndex}, how far the
 * state machine it restored from a snapshot already reaches. The log may start before that point (a
 * tail kept behind the snapshot for lagging followers): those entries are known committed and are
 * not applied again.
 */
public record PersistentState(
    HardState hardState,
    List<Entry> entries,
    long snapshotIndex,
    long snapshotTerm,
    long appliedIndex) {

  public PersistentState {
    if (appliedIndex < snapshotIndex || appliedIndex > snapshotIndex + entries.size()) {
      throw new IllegalArgumentException(
          "applied index "
              + appliedIndex
              + " outside the restored log ("
              + snapshotIndex
              + ", "
              + (snapshotIndex + entries.size())
              + "]");
    }
  }

  /** A log whose snapshot point is also where the state machine stands. */
  public PersistentState(
      HardState hardState, List<Entry> entries, long snapshotIndex, long snapshotTerm) {
    this(hardState, entries, snapshotIndex, snapshotTerm, snapshotIndex);
  }

  public static PersistentState empty() {
    return new PersistentState(HardState.INITIAL, List.of(), 0, 0);
  }
}
