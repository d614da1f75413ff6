package io.kvraft.raft.log;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The hard state file (current term and vote) is gone although the data directory shows this member
 * has run before: its log holds entries or a snapshot exists. A crash cannot cause this (the file
 * is replaced by an atomic rename and storage writes it before the first entry), so someone deleted
 * or lost it. Starting with term 0 and no vote could let the member vote a second time in a term it
 * already voted in, and so elect two leaders in one term; the node refuses to start instead.
 */
public class MissingHardStateException extends IOException {
  private final transient Path file;

  public MissingHardStateException(Path file, String evidence) {
    super(
        "The Raft hard state file "
            + file
            + " (current term and vote) is missing, but "
            + evidence
            + ", so this member has run before and may have voted in its current term. Starting without the file"
            + " could let it vote twice in one term and elect two leaders. Restore the file (from the backup or"
            + " volume snapshot the rest of this data directory came from), or, if it is lost, move the whole data"
            + " directory aside and start the member with an empty one so that it catches up from the leader. An"
            + " emptied member has forgotten its vote too: do that only while the other members have a leader, so"
            + " that the term it may have voted in is over.");
    this.file = file;
  }

  public Path file() {
    return file;
  }
}
