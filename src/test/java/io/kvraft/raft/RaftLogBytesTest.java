package io.kvraft.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The log counts the bytes it holds in memory through every way entries come and go (issue 12's
 * memory budget).
 */
class RaftLogBytesTest {
  private static Entry entry(long term, long index, int size) {
    return Entry.command(term, index, new byte[size]);
  }

  private static long sizeOf(RaftLog log) {
    return log.entriesView().stream().mapToLong(Entry::sizeBytes).sum();
  }

  @Test
  void bytesFollowAppendsTruncationsCompactionAndSnapshots() {
    RaftLog log = new RaftLog(0, 0, List.of(entry(1, 1, 100), entry(1, 2, 200)));
    assertThat(log.bytes()).isEqualTo(300 + 2 * 24).isEqualTo(sizeOf(log));

    log.appendAsLeader(entry(1, 3, 1000));
    assertThat(log.bytes()).isEqualTo(sizeOf(log));

    // A leader of term 2 replaces entry 3 and adds 4.
    log.appendFromLeader(List.of(entry(2, 3, 10), entry(2, 4, 20)));
    assertThat(log.entriesView()).extracting(Entry::term).containsExactly(1L, 1L, 2L, 2L);
    assertThat(log.bytes()).isEqualTo(sizeOf(log));

    log.takeUnstable();
    log.stableTo(4, 2);
    log.commitTo(3);
    log.takeCommitted();
    log.compact(2);
    assertThat(log.bytes()).isEqualTo(sizeOf(log)).isEqualTo(10 + 20 + 2 * 24);

    log.restoreSnapshot(9, 3);
    assertThat(log.bytes()).isZero();
  }
}
