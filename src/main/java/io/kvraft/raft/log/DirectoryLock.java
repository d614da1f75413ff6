package io.kvraft.raft.log;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An OS lock on {@code LOCK} in the data directory, against other processes, plus a registry
 * against other instances in this JVM. The registry is checked before the file is even opened
 * because on Linux closing any descriptor of a file drops the process's POSIX locks on it: a
 * refused second instance closing its channel would silently unlock the first one for other
 * processes.
 *
 * <p>The file itself is never deleted: that would let a second process lock a fresh file of the
 * same name while the first still holds the old one. The OS drops the lock when the process dies,
 * so a crash leaves no stale lock.
 */
final class DirectoryLock implements Closeable {
  static final String NAME = "LOCK";
  private static final Set<Path> LOCKED_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

  private final Path key;
  private final FileChannel channel;
  private final FileLock lock;

  private DirectoryLock(Path key, FileChannel channel, FileLock lock) {
    this.key = key;
    this.channel = channel;
    this.lock = lock;
  }

  static DirectoryLock acquire(Path dir, Path dataDirForMessages) throws IOException {
    Path key = dir.toRealPath();
    if (!LOCKED_IN_THIS_JVM.add(key)) {
      throw new DataDirectoryLockedException(dataDirForMessages);
    }
    FileChannel channel = null;
    try {
      channel =
          FileChannel.open(dir.resolve(NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = tryLock(channel);
      if (lock == null) {
        throw new DataDirectoryLockedException(dataDirForMessages);
      }
      return new DirectoryLock(key, channel, lock);
    } catch (IOException | RuntimeException e) {
      LOCKED_IN_THIS_JVM.remove(key);
      if (channel != null) {
        channel.close();
      }
      throw e;
    }
  }

  private static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
      channel.close();
    } finally {
      LOCKED_IN_THIS_JVM.remove(key);
    }
  }
}
