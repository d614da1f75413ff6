package io.kvraft.raft.log;

import static io.kvraft.raft.log.TestEntries.concat;
import static io.kvraft.raft.log.TestEntries.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Behaviour every {@link RaftStorage} must share; subclasses supply the implementation and what a
 * restart means.
 */
abstract class RaftStorageContractTest {
  protected RaftStorage storage;

  protected abstract RaftStorage create() throws IOException;

  /**
   * Stops {@code old} without syncing anything more and returns the storage a restarted node would
   * get.
   */
  protected abstract RaftStorage restart(RaftStorage old) throws IOException;

  @BeforeEach
  void createStorage() throws IOException {
    storage = create();
  }

  @AfterEach
  void closeStorage() throws IOException {
    storage.close();
  }

  private void restart() throws IOException {
    storage = restart(storage);
  }

  @Test
  void freshStorageIsEmpty() throws IOException {
    assertThat(storage.recover()).isEqualTo(new RecoveredState(HardState.INITIAL, List.of(), 0, 0));
    assertThat(storage.firstIndex()).isEqualTo(1);
    assertThat(storage.lastIndex()).isZero();
    assertThat(storage.sizeBytes()).isZero();
  }

  @Test
  void syncedEntriesSurviveRestart() throws IOException {
    storage.append(range(1, 3, 1));
    storage.append(List.of(Entry.noop(2, 4)));
    storage.append(range(5, 6, 2));
    storage.sync();
    restart();

    List<Entry> expected =
        concat(concat(range(1, 3, 1), List.of(Entry.noop(2, 4))), range(5, 6, 2));
    assertThat(storage.recover().entries()).isEqualTo(expected);
    assertThat(storage.lastIndex()).isEqualTo(6);
    assertThat(storage.sizeBytes()).isPositive();
  }

  @Test
  void hardStateSurvivesRestartWithAndWithoutVote() throws IOException {
    storage.saveHardState(new HardState(3, "node-2"));
    restart();
    assertThat(storage.recover().hardState()).isEqualTo(new HardState(3, "node-2"));

    storage.saveHardState(new HardState(4, null));
    restart();
    assertThat(storage.recover().hardState()).isEqualTo(new HardState(4, null));
  }

  @Test
  void conflictingAppendReplacesTheSuffix() throws IOException {
    storage.append(range(1, 10, 1));
    storage.sync();
    storage.append(range(6, 8, 2));
    storage.sync();

    List<Entry> expected = concat(range(1, 5, 1), range(6, 8, 2));
    assertThat(storage.recover().entries()).isEqualTo(expected);
    assertThat(storage.lastIndex()).isEqualTo(8);
    restart();
    assertThat(storage.recover().entries()).isEqualTo(expected);

    storage.append(range(8, 9, 3));
    storage.sync();
    restart();
    assertThat(storage.recover().entries())
        .isEqualTo(concat(concat(range(1, 5, 1), range(6, 7, 2)), range(8, 9, 3)));
  }

  @Test
  void conflictAtTheFirstIndexReplacesTheWholeLog() throws IOException {
    storage.append(range(1, 4, 1));
    storage.append(range(1, 2, 2));
    storage.sync();
    restart();
    assertThat(storage.recover().entries()).isEqualTo(range(1, 2, 2));
  }

  @Test
  void appendsThatWouldLeaveAGapOrAreNotContiguousAreRejected() throws IOException {
    storage.append(range(1, 3, 1));
    assertThatThrownBy(() -> storage.append(range(5, 6, 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> storage.append(List.of(Entry.noop(1, 4), Entry.noop(1, 6))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(storage.recover().entries()).isEqualTo(range(1, 3, 1));
  }

  @Test
  void compactPrefixHidesEntriesCoveredByTheSnapshot() throws IOException {
    storage.append(range(1, 10, 1));
    storage.sync();
    storage.compactPrefix(4, 1);

    RecoveredState expected = new RecoveredState(HardState.INITIAL, range(5, 10, 1), 4, 1);
    assertThat(storage.recover()).isEqualTo(expected);
    assertThat(storage.firstIndex()).isEqualTo(5);
    assertThat(storage.lastIndex()).isEqualTo(10);
    assertThatThrownBy(() -> storage.append(range(4, 4, 2)))
        .isInstanceOf(IllegalArgumentException.class);

    restart();
    assertThat(storage.recover()).isEqualTo(expected);
    storage.compactPrefix(2, 1); // below the snapshot: nothing to do
    storage.append(range(11, 11, 2));
    storage.sync();
    restart();
    assertThat(storage.recover().entries()).isEqualTo(concat(range(5, 10, 1), range(11, 11, 2)));
  }

  @Test
  void compactPrefixBeyondTheLogEmptiesIt() throws IOException {
    storage.append(range(1, 3, 1));
    storage.sync();
    storage.compactPrefix(7, 2);
    assertThat(storage.recover().entries()).isEmpty();
    assertThat(storage.firstIndex()).isEqualTo(8);
    assertThat(storage.lastIndex()).isEqualTo(7);

    storage.append(range(8, 9, 2));
    storage.sync();
    restart();
    assertThat(storage.recover())
        .isEqualTo(new RecoveredState(HardState.INITIAL, range(8, 9, 2), 7, 2));
  }

  @Test
  void compactPrefixWithADifferentTermAtTheIndexDropsTheWholeLog() throws IOException {
    storage.append(range(1, 10, 1));
    storage.sync();
    storage.compactPrefix(5, 2);
    assertThat(storage.recover().entries()).isEmpty();
    assertThat(storage.lastIndex()).isEqualTo(5);
    restart();
    assertThat(storage.recover()).isEqualTo(new RecoveredState(HardState.INITIAL, List.of(), 5, 2));
  }

  @Test
  void hardStateAndSnapshotIndexAreKeptSeparately() throws IOException {
    storage.append(range(1, 5, 1));
    storage.sync();
    storage.saveHardState(new HardState(2, "node-1"));
    storage.compactPrefix(3, 1);
    storage.saveHardState(new HardState(3, null));
    restart();
    assertThat(storage.recover())
        .isEqualTo(new RecoveredState(new HardState(3, null), range(4, 5, 1), 3, 1));
  }
}
