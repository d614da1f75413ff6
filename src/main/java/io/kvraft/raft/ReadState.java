package io.kvraft.raft;

/**
 * The outcome of a ReadIndex request: once the local state machine has applied {@code readIndex}, a
 * read issued with {@code requestId} may be served linearizably. {@code readIndex == -1} means the
 * read failed (no leader, or leadership was lost) and must be retried.
 */
public record ReadState(long requestId, long readIndex) {
  public boolean ok() {
    return readIndex >= 0;
  }
}
