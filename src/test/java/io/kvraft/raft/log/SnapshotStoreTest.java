package io.kvraft.raft.log;

import static io.kvraft.testing.TestFiles.flipBits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStoreTest {
  @TempDir Path tmp;

  private static byte[] content(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + seed);
    }
    return b;
  }

  private static byte[] read(SnapshotStore store, SnapshotStore.Meta m) throws IOException {
    try (InputStream in = store.openContent(m)) {
      return in.readAllBytes();
    }
  }

  @Test
  void savedSnapshotsReadBackAndOnlyTheNewestTwoAreKept() throws IOException {
    SnapshotStore store = SnapshotStore.open(tmp, true);
    for (int i = 1; i <= 4; i++) {
      byte[] c = content(1000 * i, i);
      store.save(10L * i, i, out -> out.write(c));
    }
    List<SnapshotStore.Meta> all = store.list();
    assertThat(all).extracting(SnapshotStore.Meta::index).containsExactly(40L, 30L);
    assertThat(read(store, store.newestValid().orElseThrow())).isEqualTo(content(4000, 4));
    assertThat(all.get(0).length()).isEqualTo(4000 + SnapshotStore.HEADER_BYTES);
    try (Stream<Path> files = Files.list(store.directory())) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }

  /**
   * A flipped bit in the newest snapshot is caught by its checksum: the previous one is used, never
   * the damaged.
   */
  @Test
  void aDamagedNewestSnapshotIsSkippedForThePreviousOne() throws IOException {
    SnapshotStore store = SnapshotStore.open(tmp, true);
    store.save(10, 1, out -> out.write(content(500, 1)));
    SnapshotStore.Meta newest = store.save(20, 2, out -> out.write(content(500, 2)));
    flipBits(newest.path(), SnapshotStore.HEADER_BYTES + 100, 0x10);

    SnapshotStore.Meta chosen = store.newestValid().orElseThrow();
    assertThat(chosen.index()).isEqualTo(10);
    assertThat(read(store, chosen)).isEqualTo(content(500, 1));
  }

  @Test
  void aTruncatedOrRenamedSnapshotIsNeverValid() throws IOException {
    SnapshotStore store = SnapshotStore.open(tmp, false);
    SnapshotStore.Meta m = store.save(7, 3, out -> out.write(content(300, 3)));
    try (FileChannel ch = FileChannel.open(m.path(), StandardOpenOption.WRITE)) {
      ch.truncate(200);
    }
    assertThat(store.newestValid()).isEmpty();
    SnapshotStore.Meta other = store.save(8, 3, out -> out.write(content(300, 3)));
    Files.move(other.path(), other.path().resolveSibling(SnapshotStore.fileName(9, 3)));
    assertThatThrownBy(() -> SnapshotStore.verify(store.list().get(0).path(), 9, 3))
        .isInstanceOf(CorruptLogException.class)
        .hasMessageContaining("header says 8@3");
  }

  /**
   * A transfer resumes from what the partial file holds, and the result is adopted only whole and
   * verified.
   */
  @Test
  void partialTransferResumesAndIsAdoptedAtomically() throws IOException {
    SnapshotStore leader = SnapshotStore.open(tmp.resolve("leader"), false);
    SnapshotStore.Meta m = leader.save(42, 5, out -> out.write(content(10_000, 9)));
    SnapshotStore follower = SnapshotStore.open(tmp.resolve("follower"), false);

    assertThat(follower.partialSize(42, 5)).isZero();
    follower.writePartial(42, 5, 0, leader.readChunk(m, 0, 4096));
    // A chunk beyond what we hold (an earlier one was lost) is not written; the size says where to
    // resume.
    assertThat(follower.writePartial(42, 5, 8192, leader.readChunk(m, 8192, 4096))).isEqualTo(4096);
    // A duplicate of an earlier chunk is harmless.
    follower.writePartial(42, 5, 0, leader.readChunk(m, 0, 4096));
    long at = follower.partialSize(42, 5);
    while (at < m.length()) {
      at = follower.writePartial(42, 5, at, leader.readChunk(m, at, 4096));
    }
    assertThat(follower.list()).isEmpty();
    follower.verifyPartial(42, 5);
    SnapshotStore.Meta adopted = follower.adoptPartial(42, 5);
    assertThat(read(follower, adopted)).isEqualTo(content(10_000, 9));
    assertThat(follower.partialSize(42, 5)).isZero();
  }

  @Test
  void aCorruptTransferIsDeletedAndStartsOver() throws IOException {
    SnapshotStore leader = SnapshotStore.open(tmp.resolve("leader"), false);
    SnapshotStore.Meta m = leader.save(42, 5, out -> out.write(content(5_000, 9)));
    SnapshotStore follower = SnapshotStore.open(tmp.resolve("follower"), false);
    byte[] whole = leader.readChunk(m, 0, (int) m.length());
    byte[] damaged = Arrays.copyOf(whole, whole.length);
    damaged[3000] ^= 1;
    follower.writePartial(42, 5, 0, damaged);
    assertThatThrownBy(() -> follower.verifyPartial(42, 5)).isInstanceOf(CorruptLogException.class);
    assertThat(follower.partialSize(42, 5)).isZero();
  }

  @Test
  void aNewTransferDiscardsTheOlderPartial() throws IOException {
    SnapshotStore follower = SnapshotStore.open(tmp, false);
    follower.writePartial(10, 1, 0, new byte[100]);
    follower.writePartial(20, 2, 0, new byte[50]);
    assertThat(follower.partialSize(10, 1)).isZero();
    assertThat(follower.partialSize(20, 2)).isEqualTo(50);
  }
}
