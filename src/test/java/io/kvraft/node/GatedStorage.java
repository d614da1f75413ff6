package io.kvraft.node;

import io.kvraft.raft.log.ForwardingRaftStorage;
import io.kvraft.raft.log.RaftStorage;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;

/**
 * Delegating storage whose fsync can be held shut: while {@link #stall()}ed, the storage thread
 * blocks in its next sync until {@link #resume()}, as behind a disk that stopped answering. Nothing
 * becomes durable meanwhile, so a leader commits nothing.
 */
public final class GatedStorage extends ForwardingRaftStorage {
  private volatile CountDownLatch gate = new CountDownLatch(0);

  public GatedStorage(RaftStorage inner) {
    super(inner);
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
  public void close() throws IOException {
    resume();
    inner.close();
  }
}
