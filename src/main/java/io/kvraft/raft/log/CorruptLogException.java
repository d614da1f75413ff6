package io.kvraft.raft.log;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Durable Raft state is damaged in a way a crash cannot explain (a bad record before valid ones, a
 * bad record in a sealed segment, a gap in indexes, a damaged hard state file). The node must not
 * start: guessing would risk forgetting a vote or an acknowledged entry, which can break Raft's
 * safety. It is a checked {@link IOException} because it is an I/O outcome the caller has to handle
 * by stopping.
 */
public class CorruptLogException extends IOException {
  private static final String WHAT_TO_DO =
      "Do not edit the files by hand. Restore this node from a healthy peer: stop it, move the data directory aside"
          + " (keep it for analysis), and start the node with an empty data directory so it catches up from the"
          + " leader. Other nodes of the cluster are unaffected.";

  private final transient Path file;
  private final long offset;

  public CorruptLogException(Path file, long offset, String problem) {
    super(
        "Corrupt Raft storage in "
            + file
            + " at byte offset "
            + offset
            + ": "
            + problem
            + ". "
            + WHAT_TO_DO);
    this.file = file;
    this.offset = offset;
  }

  public Path file() {
    return file;
  }

  public long offset() {
    return offset;
  }
}
