package io.kvraft.raft.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Drives both implementations through the same seeded random operations (appends with conflicts,
 * syncs, hard state saves, compactions, restarts) and requires identical state after every step.
 * Restarts happen only after a sync, where both must agree on what is durable.
 */
class FileMatchesMemoryRandomTest {
  private static final FileRaftStorage.Options OPTIONS =
      FileRaftStorage.Options.defaults().withSegmentBytes(200).withFsync(false);

  @TempDir Path tmp;

  static LongStream seeds() {
    return LongStream.rangeClosed(1, Long.getLong("storage.seeds", 30));
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void sameOperationsGiveTheSameState(long seed) throws IOException {
    Random random = new Random(seed);
    Path dataDir = Files.createDirectories(tmp.resolve("seed-" + seed));
    RaftStorage file = FileRaftStorage.open(dataDir, OPTIONS);
    MemoryRaftStorage memory = new MemoryRaftStorage();
    long term = 1;
    try {
      for (int step = 0; step < 300; step++) {
        int op = random.nextInt(100);
        String where = "seed " + seed + " step " + step + " op " + op;
        if (op < 55) {
          long first =
              memory.firstIndex()
                  + random.nextInt((int) (memory.lastIndex() - memory.firstIndex() + 2));
          if (random.nextInt(4) == 0) {
            term++;
          }
          List<Entry> batch = batch(random, first, 1 + random.nextInt(6), term);
          file.append(batch);
          memory.append(batch);
        } else if (op < 75) {
          file.sync();
          memory.sync();
        } else if (op < 82) {
          HardState hs =
              new HardState(term, random.nextBoolean() ? "node-" + random.nextInt(5) : null);
          file.saveHardState(hs);
          memory.saveHardState(hs);
        } else if (op < 90) {
          RecoveredState now = memory.recover();
          long upTo =
              now.snapshotIndex()
                  + random.nextInt((int) (now.lastIndex() - now.snapshotIndex() + 3));
          // Usually the term the log holds at that index, sometimes one that conflicts with it.
          long atTerm = random.nextInt(5) == 0 ? term + 1 : termAt(now, upTo, term);
          file.compactPrefix(upTo, atTerm);
          memory.compactPrefix(upTo, atTerm);
        } else {
          file.sync();
          memory.sync();
          file.close();
          file = FileRaftStorage.open(dataDir, OPTIONS);
          memory = memory.crashCopy();
        }
        assertThat(file.recover()).as(where).isEqualTo(memory.recover());
        assertThat(file.firstIndex()).as(where).isEqualTo(memory.firstIndex());
        assertThat(file.lastIndex()).as(where).isEqualTo(memory.lastIndex());
        assertThat(file.sizeBytes()).as(where).isGreaterThanOrEqualTo(memory.sizeBytes());
      }
    } finally {
      file.close();
    }
  }

  /**
   * The term a consistent caller would pass: the entry's own term when the log holds it, else
   * {@code fallback}.
   */
  private static long termAt(RecoveredState state, long index, long fallback) {
    if (index == state.snapshotIndex()) {
      return state.snapshotTerm();
    }
    for (Entry entry : state.entries()) {
      if (entry.index() == index) {
        return entry.term();
      }
    }
    return fallback;
  }

  private static List<Entry> batch(Random random, long first, int count, long term) {
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] data = new byte[random.nextInt(40)];
      random.nextBytes(data);
      entries.add(
          random.nextInt(10) == 0
              ? Entry.noop(term, first + i)
              : Entry.command(term, first + i, data));
    }
    return entries;
  }
}
