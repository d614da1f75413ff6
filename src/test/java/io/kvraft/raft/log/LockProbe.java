package io.kvraft.raft.log;

import java.nio.file.Path;

/**
 * Run in a separate JVM by the lock tests: reports whether it could open the storage, holds it
 * until stdin ends.
 */
public final class LockProbe {
  private LockProbe() {}

  public static void main(String[] args) throws Exception {
    try (FileRaftStorage storage =
        FileRaftStorage.open(Path.of(args[0]), FileRaftStorage.Options.defaults())) {
      System.out.println("LOCKED");
      System.out.flush();
      while (System.in.read() >= 0) {
        // hold the lock until the test closes our stdin
      }
    } catch (DataDirectoryLockedException e) {
      System.out.println("REFUSED " + e.getMessage());
    }
  }
}
