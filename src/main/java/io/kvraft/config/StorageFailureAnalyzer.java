package io.kvraft.config;

import io.kvraft.raft.log.CorruptLogException;
import io.kvraft.raft.log.DataDirectoryLockedException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a refused start over damaged or shared storage into the short report Spring Boot prints instead of a stack
 * trace: what is wrong and what the operator should do.
 */
public class StorageFailureAnalyzer extends AbstractFailureAnalyzer<java.io.IOException> {
  @Override
  protected FailureAnalysis analyze(Throwable root, java.io.IOException cause) {
    if (cause instanceof CorruptLogException corrupt) {
      return new FailureAnalysis(
          "kvraft refused to start: its Raft storage is damaged (" + corrupt.file() + ", offset "
              + corrupt.offset() + ").\n" + corrupt.getMessage(),
          "Restore this node from a healthy peer: stop it, move its data directory aside (keep it for analysis) and"
              + " start it with an empty data directory; it catches up from the leader. Never edit the files by hand.",
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
