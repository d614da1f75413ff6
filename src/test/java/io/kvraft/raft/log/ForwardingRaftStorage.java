package io.kvraft.raft.log;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import java.io.IOException;
import java.util.List;

/**
 * Passes every call to another storage; test fakes override only the calls they change (a slow,
 * stalled or full disk).
 */
public abstract class ForwardingRaftStorage implements RaftStorage {
  protected final RaftStorage inner;

  protected ForwardingRaftStorage(RaftStorage inner) {
    this.inner = inner;
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
  public void saveHardState(HardState hardState) throws IOException {
    inner.saveHardState(hardState);
  }

  @Override
  public void sync() throws IOException {
    inner.sync();
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
    inner.close();
  }
}
