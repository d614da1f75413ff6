package io.kvraft.transport;

import io.kvraft.raft.Message;

/**
 * Carries Raft messages to peers. Sending never blocks the caller (the node's event loop) and may silently lose a
 * message: Raft retries by itself, through heartbeats and re-sent AppendEntries.
 */
public interface Transport extends AutoCloseable {
  void send(Message m);

  @Override
  default void close() {}
}
