package io.kvraft.config;

import io.kvraft.raft.log.CorruptLogException;
import io.kvraft.raft.log.DataDirectoryLockedException;
import io.kvraft.raft.log.MissingHardStateException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a refused start over damaged or shared storage into the short report Spring Boot prints
 * instead of a stack trace: what is wrong and what the operator should do.
 */
public class StorageFailureAnalyzer extends AbstractFailureAnalyzer<java.io.IOException> {
  @Override
  protected FailureAnalysis analyze(Throwable root, java.io.IOException cause) {
    if (cause instanceof CorruptLogException corrupt) {
      return new FailureAnalysis(
          "kvraft refused to start: its Raft storage is damaged ("
              + corrupt.file()
              + ", offset "
              + corrupt.offset()
              + ").\n"
              + corrupt.getMessage(),
          "Restore this node from a healthy peer: stop it, move its data directory aside (keep it for analysis) and"
              + " start it with an empty data directory; it catches up from the leader. Never edit the files by hand.",
          cause);
    }
    if (cause instanceof MissingHardStateException missing) {
      return new FailureAnalysis(
          "kvraft refused to start: its Raft hard state file "
              + missing.file()
              + " is missing.\n"
              + missing.getMessage(),
          "Restore the hard state file from the backup the rest of the data directory came from. If it is lost,"
              + " move the whole data directory aside and start this member with an empty one, only while the other"
              + " members have a leader: an emptied member has forgotten its vote and could otherwise vote twice in"
              + " one term. Never create or edit the file by hand.",
          cause);
    }
    if (cause instanceof DataDirectoryLockedException) {
      return new FailureAnalysis(
          "kvraft refused to start: " + cause.getMessage(),
          "Stop the other node using this directory, or set raft.data-dir to a directory of this node's own.",
          cause);
    }
    return null;
  }
}
