package io.kvraft.node;

import io.kvraft.raft.Entry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The replicated state machine: committed entries are applied in log order, exactly once per node
 * incarnation. The snapshot methods (hashicorp/raft's FSM Snapshot / Restore, split so that nothing
 * slow runs on the apply thread) are needed only when the node is given a snapshot store.
 */
public interface Applier {
  /**
   * Applies one committed entry and returns the result handed to the client that proposed it (may
   * be null).
   */
  Object apply(Entry entry);

  /**
   * Captures the state as of the last applied entry, on the apply thread, quickly: the returned
   * image is written out on another thread while applying goes on, so it must not change when the
   * state does.
   */
  default Image capture() {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " does not support snapshots");
  }

  /**
   * Reads a snapshot written by an {@link Image}, off the apply thread; nothing changes until it is
   * installed.
   */
  default Loaded load(InputStream in) throws IOException {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " does not support snapshots");
  }

  /** A consistent copy of the state at {@link #index()}. */
  interface Image {
    long index();

    void writeTo(OutputStream out) throws IOException;
  }

  /** A snapshot read into memory, ready to replace the state. */
  interface Loaded {
    long index();

    /** Replaces the whole state with this snapshot's; called on the apply thread. */
    void install();
  }
}
