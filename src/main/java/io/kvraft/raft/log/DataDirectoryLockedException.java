package io.kvraft.raft.log;

import java.io.IOException;
import java.nio.file.Path;

/** Another process, or another open storage in this JVM, already uses the data directory. */
public class DataDirectoryLockedException extends IOException {
  public DataDirectoryLockedException(Path dataDir) {
    super(
        "Data directory "
            + dataDir
            + " is locked by another kvraft node (another process, or another instance in this JVM)."
            + " Two nodes must never share a data directory: stop the other node or give this one its own directory.");
  }
}
