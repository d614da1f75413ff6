package io.kvraft.raft.log;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import java.util.List;

/**
 * {@link RaftStorage} in memory for simulations and in-process clusters, with the crash semantics
 * of the file implementation: appends reach the "durable" copy only at {@link #sync()}, while the
 * hard state and compaction are durable at once. {@link #crashCopy()} yields what would be left
 * after a power loss.
 *
 * <p>{@link #recover()} returns the written state (like re-reading files through the page cache);
 * recover a {@link #crashCopy()} to see what survives a crash. Methods are synchronized so that a
 * test harness may take a crash copy while the node's storage thread writes.
 */
public final class MemoryRaftStorage implements RaftStorage {
  private final InMemoryLog written;
  private InMemoryLog durable;
  private boolean unsyncedAppends;
  private HardState hardState;
  private long snapshotIndex;
  private long snapshotTerm;
  private boolean closed;

  public MemoryRaftStorage() {
    this(HardState.INITIAL, 0, 0, new InMemoryLog());
  }

  private MemoryRaftStorage(
      HardState hardState, long snapshotIndex, long snapshotTerm, InMemoryLog log) {
    this.hardState = hardState;
    this.snapshotIndex = snapshotIndex;
    this.snapshotTerm = snapshotTerm;
    this.written = log.copy();
    this.durable = log.copy();
  }

  /**
   * A new, open storage holding only what was synced or saved here: the state after a power loss.
   */
  public synchronized MemoryRaftStorage crashCopy() {
    return new MemoryRaftStorage(hardState, snapshotIndex, snapshotTerm, durable);
  }

  @Override
  public synchronized RecoveredState recover() {
    checkOpen();
    return new RecoveredState(hardState, written.entries(), snapshotIndex, snapshotTerm);
  }

  @Override
  public synchronized void append(List<Entry> entries) {
    checkOpen();
    if (entries.isEmpty()) {
      return;
    }
    AppendRules.check(entries, snapshotIndex, written.lastIndex());
    written.append(List.copyOf(entries));
    unsyncedAppends = true;
  }

  @Override
  public synchronized void saveHardState(HardState hardState) {
    checkOpen();
    this.hardState = hardState;
  }

  @Override
  public synchronized void sync() {
    checkOpen();
    // A copy rather than replaying the pending batches: after a compaction the two copies may have
    // dropped different parts of the log, and a replay would have to reproduce that exactly. The
    // copy is cheap next to a real fsync.
    if (unsyncedAppends) {
      durable = written.copy();
      unsyncedAppends = false;
    }
  }

  @Override
  public synchronized long firstIndex() {
    return snapshotIndex + 1;
  }

  @Override
  public synchronized long lastIndex() {
    return written.lastIndex();
  }

  @Override
  public synchronized void compactPrefix(long upToIndex, long termAtIndex) {
    checkOpen();
    if (upToIndex <= snapshotIndex) {
      return;
    }
    if (termAtIndex < 1) {
      throw new IllegalArgumentException("snapshot term must be >= 1, was " + termAtIndex);
    }
    written.compact(upToIndex, termAtIndex);
    durable.compact(upToIndex, termAtIndex);
    snapshotIndex = upToIndex;
    snapshotTerm = termAtIndex;
  }

  @Override
  public synchronized long sizeBytes() {
    return written.sizeBytes();
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("storage is closed");
    }
  }
}
