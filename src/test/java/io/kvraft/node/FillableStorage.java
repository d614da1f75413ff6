package io.kvraft.node;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import io.kvraft.raft.log.ForwardingRaftStorage;
import io.kvraft.raft.log.RaftStorage;
import io.kvraft.raft.log.RecoveredState;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Delegating storage whose disk can fill up: after {@link #fill()}, every write fails with "No
 * space left on device", as ENOSPC would. It also tracks the last index made durable, so a test can
 * check that nothing beyond it was acknowledged.
 */
public final class FillableStorage extends ForwardingRaftStorage {
  private volatile boolean full;
  private final AtomicLong persistedIndex = new AtomicLong();
  private volatile long appendedIndex;

  public FillableStorage(RaftStorage inner) {
    super(inner);
  }

  public void fill() {
    full = true;
  }

  /** The last index of the log as of the last successful sync (or recovery). */
  public long persistedIndex() {
    return persistedIndex.get();
  }

  private void checkSpace() throws IOException {
    if (full) {
      throw new IOException("No space left on device");
    }
  }

  @Override
  public RecoveredState recover() throws IOException {
    RecoveredState s = inner.recover();
    persistedIndex.set(inner.lastIndex());
    return s;
  }

  @Override
  public void append(List<Entry> entries) throws IOException {
    checkSpace();
    inner.append(entries);
    appendedIndex = inner.lastIndex();
  }

  @Override
  public void saveHardState(HardState hardState) throws IOException {
    checkSpace();
    inner.saveHardState(hardState);
  }

  @Override
  public void sync() throws IOException {
    checkSpace();
    inner.sync();
    persistedIndex.set(appendedIndex);
  }

  @Override
  public void compactPrefix(long upToIndex, long termAtIndex) throws IOException {
    checkSpace();
    inner.compactPrefix(upToIndex, termAtIndex);
  }
}
