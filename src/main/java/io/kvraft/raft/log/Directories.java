package io.kvraft.raft.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

final class Directories {
  private Directories() {}

  /** Makes creations, renames and deletions of entries in {@code dir} survive power loss. */
  static void fsync(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
