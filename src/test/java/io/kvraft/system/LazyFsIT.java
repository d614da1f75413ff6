package io.kvraft.system;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The power-loss filesystem itself, driven through the same Java calls the storage makes
 * (FileChannel writes, force(true) and force(false), directory fsync by opening the directory,
 * atomic rename, delete, truncate): a power cut keeps exactly what was synced.
 */
class LazyFsIT {
  private Path root;
  private LazyFs fs;
  private Path m;

  @BeforeEach
  void mount() throws IOException {
    PowerLoss.assumeFuse();
    root =
        Files.createTempDirectory(
            Files.createDirectories(Path.of("target", "it-clusters")).toAbsolutePath(), "lazyfs-");
    fs = new LazyFs(root.resolve("m"));
    fs.powerOn();
    m = fs.mountpoint();
  }

  @AfterEach
  void unmount() throws IOException {
    if (fs != null) {
      fs.cutPower();
      fs.delete();
      KvraftCluster.deleteTree(root);
    }
  }

  @Test
  void writeAfterTheLastFsyncIsLost() throws IOException {
    Path f = m.resolve("f");
    syncedNewFile(f, "first");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap("+second".getBytes(UTF_8)), 5);
    }
    assertThat(Files.readString(f))
        .as("before the cut, reads see the write")
        .isEqualTo("first+second");

    String lost = cycle();

    assertThat(Files.readString(f)).isEqualTo("first");
    assertThat(lost).contains("\"unsynced_bytes\": 7");
  }

  @Test
  void fdatasyncMakesDataDurableToo() throws IOException {
    Path f = m.resolve("f");
    syncedNewFile(f, "");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap("data".getBytes(UTF_8)));
      ch.force(false);
    }
    cycle();
    assertThat(Files.readString(f)).isEqualTo("data");
  }

  @Test
  void newFileIsGoneWithoutADirectoryFsyncEvenIfTheFileWasSynced() throws IOException {
    Path f = m.resolve("f");
    try (FileChannel ch =
        FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap("x".getBytes(UTF_8)));
      ch.force(true);
    }
    String lost = cycle();
    assertThat(Files.exists(f)).isFalse();
    assertThat(lost).contains("\"unsynced_names\": 1");
  }

  @Test
  void aSyncedNameOfAnUnsyncedFileComesBackEmpty() throws IOException {
    Path f = m.resolve("f");
    Files.writeString(f, "never forced");
    fsyncDir(m);
    cycle();
    assertThat(f).exists();
    assertThat(Files.size(f)).isZero();
  }

  @Test
  void renameOverAFileNeedsTheDirectoryFsync() throws IOException {
    Path target = m.resolve("hardstate");
    syncedNewFile(target, "old");
    replace(target, "new");
    cycle();
    assertThat(Files.readString(target)).as("rename without a directory fsync").isEqualTo("old");
    assertThat(Files.exists(m.resolve("hardstate.tmp"))).isFalse();

    replace(target, "newer");
    fsyncDir(m);
    cycle();
    assertThat(Files.readString(target)).as("rename with a directory fsync").isEqualTo("newer");
  }

  @Test
  void deletionNeedsTheDirectoryFsync() throws IOException {
    Path f = m.resolve("segment");
    syncedNewFile(f, "entries");
    Files.delete(f);
    cycle();
    assertThat(Files.readString(f)).as("deleted without a directory fsync").isEqualTo("entries");

    Files.delete(f);
    fsyncDir(m);
    cycle();
    assertThat(Files.exists(f)).isFalse();
  }

  @Test
  void unsyncedTruncationIsUndoneAndSyncedOneKept() throws IOException {
    Path f = m.resolve("f");
    syncedNewFile(f, "0123456789");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(4);
    }
    cycle();
    assertThat(Files.readString(f)).isEqualTo("0123456789");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(4);
      ch.force(true);
      ch.write(ByteBuffer.wrap("ab".getBytes(UTF_8)), 8);
    }
    cycle();
    assertThat(Files.readString(f)).isEqualTo("0123");
  }

  @Test
  void newDirectoryNeedsItsParentsFsyncAndItsOwn() throws IOException {
    Path dir = m.resolve("raft");
    Files.createDirectories(dir);
    syncedNewFile(dir.resolve("a"), "a"); // fsyncs raft/, not the mount's root
    cycle();
    assertThat(Files.exists(dir)).isFalse();

    Files.createDirectories(dir);
    fsyncDir(m);
    syncedNewFile(dir.resolve("a"), "a");
    cycle();
    assertThat(Files.readString(dir.resolve("a"))).isEqualTo("a");
  }

  /**
   * Random writes, truncations and fsyncs on a few files, then a cut: each file holds exactly what
   * it held at its last fsync. Checks the filesystem's copying of only the changed ranges.
   */
  @Test
  void randomWritesKeepExactlyWhatWasSyncedLast() throws IOException {
    Random random = new Random();
    long seed = random.nextLong();
    random.setSeed(seed);
    int files = 3;
    byte[][] live = new byte[files][];
    byte[][] synced = new byte[files][];
    for (int round = 0; round < 4; round++) {
      FileChannel[] channels = new FileChannel[files];
      for (int i = 0; i < files; i++) {
        Path f = m.resolve("f" + i);
        if (live[i] == null) {
          live[i] = new byte[0];
          synced[i] = new byte[0];
          Files.write(f, new byte[0]);
        }
        channels[i] = FileChannel.open(f, StandardOpenOption.WRITE);
      }
      fsyncDir(m);
      for (int step = 0; step < 200; step++) {
        int i = random.nextInt(files);
        int kind = random.nextInt(10);
        if (kind < 6) {
          int at = random.nextInt(live[i].length + 5000);
          byte[] data = new byte[1 + random.nextInt(3000)];
          random.nextBytes(data);
          channels[i].write(ByteBuffer.wrap(data), at);
          live[i] = Arrays.copyOf(live[i], Math.max(live[i].length, at + data.length));
          System.arraycopy(data, 0, live[i], at, data.length);
        } else if (kind < 8) {
          int to = random.nextInt(live[i].length + 1);
          channels[i].truncate(to);
          live[i] = Arrays.copyOf(live[i], to);
        } else {
          channels[i].force(kind == 8);
          synced[i] = live[i].clone();
        }
      }
      for (FileChannel ch : channels) {
        ch.close();
      }
      for (int i = 0; i < files; i++) {
        assertThat(Files.readAllBytes(m.resolve("f" + i))).as("live f" + i).isEqualTo(live[i]);
      }
      cycle();
      for (int i = 0; i < files; i++) {
        assertThat(Files.readAllBytes(m.resolve("f" + i)))
            .as("f%d after cut %d (seed %d)", i, round, seed)
            .isEqualTo(synced[i]);
        live[i] = synced[i].clone();
      }
    }
  }

  private String cycle() {
    fs.cutPower();
    return fs.powerOn();
  }

  private void syncedNewFile(Path f, String content) throws IOException {
    try (FileChannel ch =
        FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(content.getBytes(UTF_8)));
      ch.force(true);
    }
    fsyncDir(f.getParent());
  }

  /** As HardStateFile does it: a forced temp file renamed over the target. */
  private static void replace(Path target, String content) throws IOException {
    Path temp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            temp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(content.getBytes(UTF_8)));
      ch.force(true);
    }
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void fsyncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
