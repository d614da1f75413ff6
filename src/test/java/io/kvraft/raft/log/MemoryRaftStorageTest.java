package io.kvraft.raft.log;

import static io.kvraft.raft.log.TestEntries.concat;
import static io.kvraft.raft.log.TestEntries.range;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.raft.HardState;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryRaftStorageTest {
  private final MemoryRaftStorage storage = new MemoryRaftStorage();

  @Test
  void unsyncedAppendsAreLostByACrashAndSyncedOnesKept() {
    storage.append(range(1, 3, 1));
    storage.sync();
    storage.append(range(4, 6, 1));

    assertThat(storage.recover().entries()).isEqualTo(range(1, 6, 1));
    MemoryRaftStorage afterCrash = storage.crashCopy();
    assertThat(afterCrash.recover().entries()).isEqualTo(range(1, 3, 1));
    assertThat(afterCrash.lastIndex()).isEqualTo(3);

    storage.sync();
    assertThat(storage.crashCopy().recover().entries()).isEqualTo(range(1, 6, 1));
  }

  @Test
  void anUnsyncedConflictTruncationIsUndoneByACrash() {
    storage.append(range(1, 10, 1));
    storage.sync();
    storage.append(range(6, 7, 2));

    assertThat(storage.crashCopy().recover().entries()).isEqualTo(range(1, 10, 1));
    storage.sync();
    assertThat(storage.crashCopy().recover().entries())
        .isEqualTo(concat(range(1, 5, 1), range(6, 7, 2)));
  }

  @Test
  void severalUnsyncedBatchesSyncInOrder() {
    storage.append(range(1, 5, 1));
    storage.append(range(3, 4, 2));
    storage.append(range(5, 6, 2));
    storage.append(range(6, 6, 3));
    storage.sync();
    assertThat(storage.crashCopy().recover().entries())
        .isEqualTo(concat(concat(range(1, 2, 1), range(3, 5, 2)), range(6, 6, 3)));
  }

  @Test
  void hardStateIsDurableWithoutSync() {
    storage.saveHardState(new HardState(7, "node-2"));
    assertThat(storage.crashCopy().recover().hardState()).isEqualTo(new HardState(7, "node-2"));
  }

  @Test
  void compactionIsDurableAtOnceWhilePendingAppendsStillNeedASync() {
    storage.append(range(1, 5, 1));
    storage.sync();
    storage.append(range(6, 10, 1));
    storage.compactPrefix(7, 1);

    assertThat(storage.recover())
        .isEqualTo(new RecoveredState(HardState.INITIAL, range(8, 10, 1), 7, 1));
    assertThat(storage.crashCopy().recover())
        .isEqualTo(new RecoveredState(HardState.INITIAL, List.of(), 7, 1));
    storage.sync();
    assertThat(storage.crashCopy().recover())
        .isEqualTo(new RecoveredState(HardState.INITIAL, range(8, 10, 1), 7, 1));
  }

  @Test
  void aCompactionThatDropsTheLogAlsoDropsPendingAppends() {
    storage.append(range(1, 5, 1));
    storage.sync();
    storage.append(range(6, 10, 2));
    storage.compactPrefix(7, 3); // the snapshot disagrees with our entry 7: the whole log goes
    storage.sync();
    assertThat(storage.recover().entries()).isEmpty();
    assertThat(storage.crashCopy().recover())
        .isEqualTo(new RecoveredState(HardState.INITIAL, List.of(), 7, 3));
  }

  @Test
  void aCrashCopyIsIndependentOfTheOriginal() {
    storage.append(range(1, 2, 1));
    storage.sync();
    MemoryRaftStorage copy = storage.crashCopy();
    copy.append(range(3, 3, 2));
    copy.sync();
    storage.append(range(2, 2, 3));
    storage.sync();
    assertThat(storage.recover().entries()).isEqualTo(concat(range(1, 1, 1), range(2, 2, 3)));
    assertThat(copy.recover().entries()).isEqualTo(concat(range(1, 2, 1), range(3, 3, 2)));
  }

  @Test
  void sizeBytesFollowsTruncationAndCompaction() {
    storage.append(range(1, 10, 1));
    long tenEntries = storage.sizeBytes();
    storage.append(range(6, 6, 2));
    storage.compactPrefix(3, 1);
    long expected =
        range(4, 5, 1).stream().mapToLong(RecordCodec::frameSize).sum()
            + RecordCodec.frameSize(range(6, 6, 2).get(0));
    assertThat(tenEntries)
        .isEqualTo(range(1, 10, 1).stream().mapToLong(RecordCodec::frameSize).sum());
    assertThat(storage.sizeBytes()).isEqualTo(expected);
  }
}
