package io.kvraft.node;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import io.kvraft.raft.log.RaftStorage;
import io.kvraft.raft.log.RecoveredState;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Delegating storage whose fsync can be held shut: while {@link #stall()}ed, the storage thread blocks in its next
 * sync until {@link #resume()}, as behind a disk that stopped answering. Nothing becomes durable meanwhile, so a
 * leader commits nothing.
 */
public final class GatedStorage implements RaftStorage {
  private final RaftStorage inner;
  private volatile CountDownLatch gate = new CountDownLatch(0);

  public GatedStorage(RaftStorage inner) {
    this.inner = inner;
  }

  public GatedStorage stall() {
    gate = new CountDownLatch(1);
    return this;
  }

  public void resume() {
    gate.countDown();
  }

  @Override
  public void sync() throws IOException {
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while stalled", e);
    }
    inner.sync();
  }

  @Override
  public RecoveredState recover() throws IOException {
    return inner.recover();
  }

  @Override
  public void append(List<Entry> entries) throws IOException {
    inner.append(entries);
  }

  @Override
  public void saveHardState(HardState hs) throws IOException {
    inner.saveHardState(hs);
  }

  @Override
  public long firstIndex() {
    return inner.firstIndex();
  }

  @Override
  public long lastIndex() {
    return inner.lastIndex();
  }

  @Override
  public void compactPrefix(long upToIndex, long termAtIndex) throws IOException {
    inner.compactPrefix(upToIndex, termAtIndex);
  }

  @Override
  public long sizeBytes() {
    return inner.sizeBytes();
  }

  @Override
  public void close() throws IOException {
    resume();
    inner.close();
  }
}
