package io.kvraft.raft.scenario;

import static io.kvraft.raft.scenario.ScenarioCluster.ELECTION_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.raft.Entry;
import io.kvraft.raft.ProposeResult;
import org.junit.jupiter.api.Test;

/**
 * The 6.824 TestBackup shape: leaders in minority partitions pile up long divergent tails, then a
 * majority with other logs must repair them. Raft §5.3 (the leader finds the latest point where the
 * logs agree and overwrites the rest) and its fast-backup optimisation (the follower's rejection
 * names the conflicting term and its first index, so the leader skips a whole term per round trip
 * instead of one entry).
 */
class BackupTest {
  private static final int DIVERGENT = 60;

  @Test
  void backupRepairsLongDivergentLogsInFewRounds() {
    ScenarioCluster c = new ScenarioCluster(5, 31);
    c.one("start", 5, true);

    // leader1 and one follower in a minority: lots of entries that won't commit
    int leader1 = c.checkOneLeader();
    c.disconnect((leader1 + 2) % 5);
    c.disconnect((leader1 + 3) % 5);
    c.disconnect((leader1 + 4) % 5);
    for (int k = 0; k < DIVERGENT; k++) {
      assertThat(c.start(leader1, "lost1-" + k)).isInstanceOf(ProposeResult.Accepted.class);
    }
    c.runTicks(ELECTION_TIMEOUT / 2);

    // the other three make progress
    c.disconnect(leader1);
    c.disconnect((leader1 + 1) % 5);
    c.connect((leader1 + 2) % 5);
    c.connect((leader1 + 3) % 5);
    c.connect((leader1 + 4) % 5);
    for (int k = 0; k < DIVERGENT; k++) {
      c.one("ok1-" + k, 3, true);
    }

    // a second minority leader with one follower piles up another divergent tail
    int leader2 = c.checkOneLeader();
    int other = (leader1 + 2) % 5;
    if (leader2 == other) {
      other = (leader2 + 1) % 5;
    }
    c.disconnect(other);
    for (int k = 0; k < DIVERGENT; k++) {
      c.start(leader2, "lost2-" + k);
    }
    c.runTicks(ELECTION_TIMEOUT / 2);

    // the original leader and its follower come back with `other`, which has the ok1 entries: they
    // must be repaired across DIVERGENT entries of a stale term
    for (int i = 0; i < 5; i++) {
      c.disconnect(i);
    }
    c.connect(leader1);
    c.connect((leader1 + 1) % 5);
    c.connect(other);
    long rounds1 = repairRounds(c, new int[] {leader1, (leader1 + 1) % 5});
    for (int k = 0; k < DIVERGENT; k++) {
      c.one("ok2-" + k, 3, true);
    }

    // everyone: leader2 and its follower (with the lost2 tail) are repaired too
    int[] stale2 = {leader2, (leader2 + 1) % 5 == other ? (leader2 + 2) % 5 : (leader2 + 1) % 5};
    for (int i = 0; i < 5; i++) {
      c.connect(i);
    }
    long rounds2 = repairRounds(c, stale2);
    long last = c.one("end", 5, true);

    for (int i = 0; i < 5; i++) {
      for (long idx = 1; idx <= last; idx++) {
        assertThat(new String(c.core(i).entryAt(idx).data()))
            .as("node %d index %d", i, idx)
            .doesNotStartWith("lost");
      }
      assertThat(c.applied(i)).containsKey(last);
    }
    for (long idx = 1; idx <= last; idx++) {
      Entry e = c.nCommitted(idx).entry();
      assertThat(new String(e.data())).doesNotStartWith("lost");
    }
    // Entry-by-entry backup would need about DIVERGENT AppendEntries per stale follower; skipping a
    // term per round trip needs a handful.
    assertThat(rounds1)
        .as("AppendEntries to repair 2 followers with %d divergent entries", DIVERGENT)
        .isLessThanOrEqualTo(2 * 5);
    assertThat(rounds2)
        .as("AppendEntries to repair 2 followers with %d divergent entries", DIVERGENT)
        .isLessThanOrEqualTo(2 * 5);
  }

  /**
   * Waits for a leader whose log the stale nodes then match; returns the AppendEntries sent to them
   * meanwhile.
   */
  private static long repairRounds(ScenarioCluster c, int[] stale) {
    long before = 0;
    for (int i : stale) {
      before += c.appendsTo(i);
    }
    int leader = c.checkOneLeader();
    assertThat(stale).doesNotContain(leader);
    c.runUntil(
        () -> java.util.Arrays.stream(stale).allMatch(i -> c.logsMatch(i, leader)),
        5 * ELECTION_TIMEOUT,
        "stale followers repaired");
    long after = 0;
    for (int i : stale) {
      after += c.appendsTo(i);
      // a stale node was actually stale: it had to give up entries from its divergent tail
      assertThat(c.overwrites(i)).as("node %d truncated its divergent tail", i).isNotEmpty();
    }
    return after - before;
  }
}
