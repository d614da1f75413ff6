package io.kvraft.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Damage done to files on disk by tests of what a node makes of it. */
public final class TestFiles {
  private TestFiles() {}

  /**
   * Flips the bits of {@code mask} in the byte at offset {@code at} of {@code file}, in place, and
   * forces the change to disk.
   */
  public static void flipBits(Path file, long at, int mask) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ mask));
      b.rewind();
      ch.write(b, at);
      ch.force(true);
    }
  }
}
