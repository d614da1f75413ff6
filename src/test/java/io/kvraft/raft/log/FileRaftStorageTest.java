package io.kvraft.raft.log;

import static io.kvraft.raft.log.TestEntries.concat;
import static io.kvraft.raft.log.TestEntries.range;
import static io.kvraft.testing.TestFiles.flipBits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileRaftStorageTest {
  /** Every test entry frames to 34 or 35 bytes, so a segment holds exactly four of them. */
  private static final FileRaftStorage.Options SMALL_SEGMENTS =
      FileRaftStorage.Options.defaults().withSegmentBytes(150);

  @TempDir Path tmp;

  @Test
  void segmentsRollAtTheSizeLimitAndAreNamedByTheirFirstIndex() throws IOException {
    Path dataDir = tmp.resolve("node");
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      storage.append(range(1, 6, 1));
      storage.append(range(7, 10, 1));
      storage.sync();
      assertThat(segmentNames(dataDir))
          .containsExactly(
              "log-00000000000000000001.seg",
              "log-00000000000000000005.seg",
              "log-00000000000000000009.seg");
      assertThat(storage.sizeBytes())
          .isEqualTo(totalSegmentBytes(dataDir))
          .isEqualTo(frameBytes(range(1, 10, 1)));
    }
    assertThat(Files.exists(dataDir.resolve("raft/LOCK"))).isTrue();
  }

  @Test
  void anEntryLargerThanASegmentGetsASegmentOfItsOwn() throws IOException {
    Path dataDir = tmp.resolve("node");
    Entry big = Entry.command(1, 3, new byte[1000]);
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      storage.append(range(1, 2, 1));
      storage.append(List.of(big));
      storage.append(range(4, 4, 1));
    }
    assertThat(segmentNames(dataDir))
        .containsExactly(
            "log-00000000000000000001.seg",
            "log-00000000000000000003.seg",
            "log-00000000000000000004.seg");
    assertThat(entriesAfterReopen(dataDir))
        .isEqualTo(concat(concat(range(1, 2, 1), List.of(big)), range(4, 4, 1)));
  }

  @Test
  void conflictTruncationAcrossSegmentBoundariesSurvivesReopen() throws IOException {
    Path dataDir = tmp.resolve("node");
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      storage.append(range(1, 12, 1)); // segments starting at 1, 5, 9
      storage.sync();
      storage.append(range(3, 6, 2)); // cuts inside the first segment and deletes the other two
      storage.sync();
      assertThat(segmentNames(dataDir))
          .containsExactly("log-00000000000000000001.seg", "log-00000000000000000005.seg");
    }
    assertThat(entriesAfterReopen(dataDir)).isEqualTo(concat(range(1, 2, 1), range(3, 6, 2)));

    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      storage.append(range(5, 7, 3)); // conflict exactly at a segment's first index
      storage.sync();
      assertThat(storage.sizeBytes()).isEqualTo(totalSegmentBytes(dataDir));
    }
    assertThat(entriesAfterReopen(dataDir))
        .isEqualTo(concat(concat(range(1, 2, 1), range(3, 4, 2)), range(5, 7, 3)));
  }

  /** n = 3: one segment; n = 9: the last segment holds a single record; n = 10: it holds two. */
  @ParameterizedTest
  @ValueSource(ints = {3, 9, 10})
  void cuttingTheLastRecordAtAnyByteKeepsTheRecordsBeforeIt(int n) throws IOException {
    Path original = writeLog(range(1, n, 1));
    Path lastSegment = lastSegment(original);
    long size = Files.size(lastSegment);
    long lastRecordStart = size - frameBytes(range(n, n, 1));

    for (long cut = lastRecordStart; cut < size; cut++) {
      Path copy = copyOf(original, "cut-" + cut);
      try (FileChannel ch = FileChannel.open(lastSegment(copy), StandardOpenOption.WRITE)) {
        ch.truncate(cut);
      }
      try (FileRaftStorage storage = FileRaftStorage.open(copy, SMALL_SEGMENTS)) {
        assertThat(storage.recover().entries())
            .as("cut at byte %d", cut)
            .isEqualTo(range(1, n - 1, 1));
        assertThat(storage.lastIndex()).isEqualTo(n - 1);
        storage.append(range(n, n + 1, 2));
        storage.sync();
      }
      assertThat(entriesAfterReopen(copy))
          .as("cut at byte %d", cut)
          .isEqualTo(concat(range(1, n - 1, 1), range(n, n + 1, 2)));
    }
  }

  @Test
  void aFlippedByteInTheLastRecordIsATornTail() throws IOException {
    int n = 10;
    Path original = writeLog(range(1, n, 1));
    long size = Files.size(lastSegment(original));
    for (long at = size - frameBytes(range(n, n, 1)); at < size; at++) {
      Path copy = copyOf(original, "flip-" + at);
      flipBits(lastSegment(copy), at, 0xFF);
      assertThat(entriesAfterReopen(copy)).as("flipped byte %d", at).isEqualTo(range(1, n - 1, 1));
    }
  }

  @Test
  void aFlippedByteInARecordFollowedByValidRecordsIsCorruption() throws IOException {
    Path original = writeLog(range(1, 10, 1)); // last segment holds 9 and 10
    for (long at = 0; at < frameBytes(range(9, 9, 1)); at++) {
      Path copy = copyOf(original, "flip-" + at);
      Path segment = lastSegment(copy);
      flipBits(segment, at, 0xFF);
      assertThatThrownBy(() -> FileRaftStorage.open(copy, SMALL_SEGMENTS))
          .as("flipped byte %d", at)
          .isInstanceOfSatisfying(
              CorruptLogException.class,
              e -> {
                assertThat(e.file()).isEqualTo(segment);
                assertThat(e.offset()).isZero();
                assertThat(e.getMessage())
                    .contains(
                        segment.toString(), "byte offset 0", "index 9", "followed by valid records")
                    .contains("healthy peer", "move the data directory aside");
              });
    }
  }

  @Test
  void aFlippedByteInAnEarlierSegmentIsCorruptionEvenInItsLastRecord() throws IOException {
    Path original = writeLog(range(1, 10, 1));
    Path firstSegment = original.resolve("raft/log-00000000000000000001.seg");
    long recordFourAt = frameBytes(range(1, 3, 1));
    flipBits(firstSegment, Files.size(firstSegment) - 1, 0xFF);

    assertThatThrownBy(() -> FileRaftStorage.open(original, SMALL_SEGMENTS))
        .isInstanceOf(CorruptLogException.class)
        .hasMessageContaining(firstSegment.toString())
        .hasMessageContaining("byte offset " + recordFourAt)
        .hasMessageContaining("not the last one");
  }

  @Test
  void aMissingSegmentIsCorruption() throws IOException {
    Path original = writeLog(range(1, 12, 1));
    Files.delete(original.resolve("raft/log-00000000000000000005.seg"));
    assertThatThrownBy(() -> FileRaftStorage.open(original, SMALL_SEGMENTS))
        .isInstanceOf(CorruptLogException.class)
        .hasMessageContaining("log-00000000000000000009.seg")
        .hasMessageContaining("previous one ends at 4");
  }

  @Test
  void aDamagedHardStateFileIsCorruption() throws IOException {
    Path original = tmp.resolve("node");
    try (FileRaftStorage storage = FileRaftStorage.open(original, SMALL_SEGMENTS)) {
      storage.saveHardState(new HardState(5, "node-3"));
    }
    Path hardState = original.resolve("raft/hardstate");
    long size = Files.size(hardState);
    for (long at = 0; at < size; at++) {
      Path copy = copyOf(original, "flip-" + at);
      flipBits(copy.resolve("raft/hardstate"), at, 0xFF);
      assertThatThrownBy(() -> FileRaftStorage.open(copy, SMALL_SEGMENTS))
          .as("flipped byte %d", at)
          .isInstanceOf(CorruptLogException.class)
          .hasMessageContaining(copy.resolve("raft/hardstate").toString())
          .hasMessageContaining("healthy peer");
    }
    for (long length : new long[] {0, 10, size - 1}) {
      Path copy = copyOf(original, "cut-" + length);
      try (FileChannel ch =
          FileChannel.open(copy.resolve("raft/hardstate"), StandardOpenOption.WRITE)) {
        ch.truncate(length);
      }
      assertThatThrownBy(() -> FileRaftStorage.open(copy, SMALL_SEGMENTS))
          .as("hard state cut to %d bytes", length)
          .isInstanceOf(CorruptLogException.class);
    }
  }

  @Test
  void aLeftoverTempHardStateFromAnInterruptedSaveIsIgnored() throws IOException {
    Path dataDir = tmp.resolve("node");
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      storage.saveHardState(new HardState(2, "node-1"));
    }
    Files.writeString(dataDir.resolve("raft/hardstate.tmp"), "half-written");
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      assertThat(storage.recover().hardState()).isEqualTo(new HardState(2, "node-1"));
    }
    assertThat(Files.exists(dataDir.resolve("raft/hardstate.tmp"))).isFalse();
  }

  @Test
  void aSecondOpenOfTheSameDirectoryIsRefusedUntilTheFirstCloses() throws IOException {
    Path dataDir = tmp.resolve("node");
    FileRaftStorage first = FileRaftStorage.open(dataDir, SMALL_SEGMENTS);
    assertThatThrownBy(() -> FileRaftStorage.open(dataDir, SMALL_SEGMENTS))
        .isInstanceOf(DataDirectoryLockedException.class)
        .hasMessageContaining(dataDir.toString());
    first.close();
    FileRaftStorage.open(dataDir, SMALL_SEGMENTS).close();
  }

  @Test
  void anotherProcessCannotOpenALockedDirectoryEvenAfterARefusedOpenInThisJvm() throws Exception {
    Path dataDir = tmp.resolve("node");
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      assertThatThrownBy(() -> FileRaftStorage.open(dataDir, SMALL_SEGMENTS))
          .isInstanceOf(DataDirectoryLockedException.class);
      assertThat(probeLock(dataDir, false)).startsWith("REFUSED").contains(dataDir.toString());
    }
    assertThat(probeLock(dataDir, true)).isEqualTo("LOCKED");
  }

  @Test
  void aDirectoryLockedByAnotherProcessIsRefused() throws Exception {
    Path dataDir = tmp.resolve("node");
    Process holder = startLockProbe(dataDir);
    try {
      assertThat(firstReportLine(holder)).isEqualTo("LOCKED");
      assertThatThrownBy(() -> FileRaftStorage.open(dataDir, SMALL_SEGMENTS))
          .isInstanceOf(DataDirectoryLockedException.class)
          .hasMessageContaining(dataDir.toString());
    } finally {
      holder.getOutputStream().close();
      assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    FileRaftStorage.open(dataDir, SMALL_SEGMENTS).close();
  }

  @Test
  void compactPrefixDeletesWholeSegmentsOnly() throws IOException {
    Path dataDir = tmp.resolve("node");
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      storage.append(range(1, 12, 1)); // segments starting at 1, 5, 9
      storage.sync();
      storage.compactPrefix(6, 1);
      assertThat(segmentNames(dataDir))
          .containsExactly("log-00000000000000000005.seg", "log-00000000000000000009.seg");
      assertThat(storage.sizeBytes()).isEqualTo(totalSegmentBytes(dataDir));
      assertThat(storage.recover())
          .isEqualTo(new RecoveredState(HardState.INITIAL, range(7, 12, 1), 6, 1));
    }
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      assertThat(storage.recover())
          .isEqualTo(new RecoveredState(HardState.INITIAL, range(7, 12, 1), 6, 1));
      storage.compactPrefix(12, 1);
      assertThat(segmentNames(dataDir)).isEmpty();
      assertThat(storage.sizeBytes()).isZero();
      storage.append(range(13, 13, 2));
      assertThat(segmentNames(dataDir)).containsExactly("log-00000000000000000013.seg");
    }
    assertThat(entriesAfterReopen(dataDir)).isEqualTo(range(13, 13, 2));
  }

  @Test
  void aCompactionInterruptedBeforeDeletingSegmentsIsFinishedAtOpen() throws IOException {
    Path dataDir = writeLog(range(1, 12, 1));
    Path backup = copyOf(dataDir, "backup");
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      storage.compactPrefix(8, 1);
    }
    // As if the crash came after the hard state file was replaced but before the segments were
    // deleted.
    Files.copy(
        backup.resolve("raft/log-00000000000000000001.seg"),
        dataDir.resolve("raft/log-00000000000000000001.seg"));
    Files.copy(
        backup.resolve("raft/log-00000000000000000005.seg"),
        dataDir.resolve("raft/log-00000000000000000005.seg"));

    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      assertThat(storage.recover())
          .isEqualTo(new RecoveredState(HardState.INITIAL, range(9, 12, 1), 8, 1));
    }
    assertThat(segmentNames(dataDir)).containsExactly("log-00000000000000000009.seg");
  }

  @Test
  void aClosedStorageRefusesCalls() throws IOException {
    FileRaftStorage storage = FileRaftStorage.open(tmp.resolve("node"), SMALL_SEGMENTS);
    storage.close();
    assertThatThrownBy(() -> storage.append(range(1, 1, 1)))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(storage::recover).isInstanceOf(IllegalStateException.class);
    storage.close(); // idempotent
  }

  // --- helpers

  @Test
  void aMissingHardStateBesideALogIsRefusedWithWhatToDo() throws IOException {
    Path dataDir = tmp.resolve("node");
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      storage.saveHardState(new HardState(3, "node-2"));
      storage.append(range(1, 6, 2));
      storage.sync();
    }
    Path hardState = dataDir.resolve("raft/hardstate");
    Files.delete(hardState);

    // Starting with term 0 and no vote would let this member vote for a second candidate in term 3.
    assertThatThrownBy(() -> FileRaftStorage.open(dataDir, SMALL_SEGMENTS))
        .isInstanceOf(MissingHardStateException.class)
        .hasMessageContaining(hardState.toString())
        .hasMessageContaining("log holds 6 entries")
        .hasMessageContaining("vote twice")
        .hasMessageContaining("Restore the file")
        .hasMessageContaining("empty one");
    // Refusing touched nothing and released the lock: a second attempt gets the same answer, not
    // "locked".
    assertThatThrownBy(() -> FileRaftStorage.open(dataDir, SMALL_SEGMENTS))
        .isInstanceOf(MissingHardStateException.class);
    assertThat(segmentNames(dataDir)).hasSize(2);
  }

  @Test
  void aMissingHardStateBesideASnapshotIsRefused() throws IOException {
    Path dataDir = tmp.resolve("node");
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      storage.saveHardState(new HardState(2, "node-1"));
      storage.append(range(1, 4, 2));
      storage.compactPrefix(4, 2);
    }
    SnapshotStore.open(dataDir, false).save(4, 2, out -> out.write(42));
    Files.delete(dataDir.resolve("raft/hardstate"));

    assertThatThrownBy(() -> FileRaftStorage.open(dataDir, SMALL_SEGMENTS))
        .isInstanceOf(MissingHardStateException.class)
        .hasMessageContaining("snapshot snap-");
  }

  @Test
  void aNewMemberWithoutHardStateStartsFreshAndItsFirstEntryWritesOne() throws IOException {
    Path dataDir = tmp.resolve("node");
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      assertThat(storage.recover())
          .isEqualTo(new RecoveredState(HardState.INITIAL, List.of(), 0, 0));
    }
    // Reopening an empty directory (only its lock file and an empty snapshot directory) is still a
    // new member.
    Files.createDirectories(dataDir.resolve(SnapshotStore.DIR_NAME));
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      // Entries appended without a saved hard state still get the file first, so no log ever lies
      // on disk without it.
      storage.append(range(1, 2, 1));
      storage.sync();
    }
    assertThat(dataDir.resolve("raft/hardstate")).exists();
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      assertThat(storage.recover())
          .isEqualTo(new RecoveredState(HardState.INITIAL, range(1, 2, 1), 0, 0));
    }
  }

  private Path writeLog(List<Entry> entries) throws IOException {
    Path dataDir = tmp.resolve("original");
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      storage.append(entries);
      storage.sync();
    }
    return dataDir;
  }

  private static List<Entry> entriesAfterReopen(Path dataDir) throws IOException {
    try (FileRaftStorage storage = FileRaftStorage.open(dataDir, SMALL_SEGMENTS)) {
      return storage.recover().entries();
    }
  }

  private Path copyOf(Path dataDir, String name) throws IOException {
    Path copy = tmp.resolve(name);
    Files.createDirectories(copy.resolve("raft"));
    try (Stream<Path> files = Files.list(dataDir.resolve("raft"))) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Files.copy(file, copy.resolve("raft").resolve(file.getFileName()));
      }
    }
    return copy;
  }

  private static List<String> segmentNames(Path dataDir) throws IOException {
    try (Stream<Path> files = Files.list(dataDir.resolve("raft"))) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".seg"))
          .sorted()
          .toList();
    }
  }

  private static Path lastSegment(Path dataDir) throws IOException {
    List<String> names = segmentNames(dataDir);
    return dataDir.resolve("raft").resolve(names.get(names.size() - 1));
  }

  private static long totalSegmentBytes(Path dataDir) throws IOException {
    long total = 0;
    for (String name : segmentNames(dataDir)) {
      total += Files.size(dataDir.resolve("raft").resolve(name));
    }
    return total;
  }

  private static long frameBytes(List<Entry> entries) {
    return entries.stream().mapToLong(RecordCodec::frameSize).sum();
  }

  private static Process startLockProbe(Path dataDir) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            LockProbe.class.getName(),
            dataDir.toString())
        .redirectErrorStream(true)
        .start();
  }

  /**
   * The probe's verdict: "LOCKED" or "REFUSED <message>"; log lines it may print first are skipped.
   */
  private static String firstReportLine(Process probe) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith("LOCKED") || line.startsWith("REFUSED")) {
        return line;
      }
    }
    return "probe ended without a verdict, exit code " + probe.exitValue();
  }

  private static String probeLock(Path dataDir, boolean release) throws Exception {
    Process probe = startLockProbe(dataDir);
    try {
      return firstReportLine(probe);
    } finally {
      probe.getOutputStream().close();
      assertThat(probe.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
