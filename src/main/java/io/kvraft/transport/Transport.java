package io.kvraft.transport;

import io.kvraft.raft.Message;
import java.io.IOException;
import java.time.Duration;

/**
 * Carries Raft messages to peers. Sending never blocks the caller (the node's event loop) and may
 * silently lose a message: Raft retries by itself, through heartbeats and re-sent AppendEntries.
 */
public interface Transport extends AutoCloseable {
  void send(Message m);

  /**
   * Sends one InstallSnapshot chunk to {@code chunk.to()} and waits at most {@code timeout} for the
   * reply. Unlike {@link #send}, this is request/response and blocks the calling thread (a snapshot
   * sender's, never the loop).
   */
  default SnapshotChunk.Reply sendSnapshotChunk(SnapshotChunk chunk, Duration timeout)
      throws IOException {
    throw new IOException(getClass().getSimpleName() + " does not carry snapshots");
  }

  @Override
  default void close() {}
}
