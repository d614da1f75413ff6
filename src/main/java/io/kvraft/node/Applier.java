package io.kvraft.node;

import io.kvraft.raft.Entry;

/** The replicated state machine: committed entries are applied in log order, exactly once per node incarnation. */
public interface Applier {
  /** Applies one committed entry and returns the result handed to the client that proposed it (may be null). */
  Object apply(Entry entry);
}
