package io.kvraft.raft.scenario;

import static io.kvraft.raft.scenario.ScenarioCluster.ELECTION_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import io.kvraft.raft.Message;
import io.kvraft.raft.Message.AppendRequest;
import io.kvraft.raft.PersistentState;
import io.kvraft.raft.ProposeResult;
import io.kvraft.raft.RaftConfig;
import io.kvraft.raft.RaftCore;
import io.kvraft.raft.Role;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Raft paper Figure 8 and §5.4.2: "a leader cannot immediately conclude that an entry from a
 * previous term is committed once it is stored on a majority of servers"; "Raft never commits log
 * entries from previous terms by counting replicas. Only log entries from the leader's current term
 * are committed by counting replicas."
 *
 * <p>Driven deterministically: only the node the figure elects is ticked (the others' timers stand
 * still), and a drop filter plays the network that lets each leader reach exactly the servers the
 * figure shows. CheckQuorum is off (it is not part of the paper) so stale leases do not mask the
 * figure's elections; AppendEntries carry one entry each so the filter can let a prefix of a
 * leader's log through. Every leader appends a no-op of its term, so the figure's "entry at index
 * 2" is our index 3 (index 2 holds the leader's no-op of the same term).
 */
class PaperFigure8Test {
  private static final int S1 = 0, S2 = 1, S3 = 2, S4 = 3, S5 = 4;
  private static final long FIG_INDEX = 3; // where the figure's contested entry sits in our logs

  private ScenarioCluster c;

  private static boolean appendFrom(Message m, int from) {
    return m instanceof AppendRequest && m.from().equals(ScenarioCluster.idOf(from));
  }

  private static boolean to(Message m, int... nodes) {
    for (int n : nodes) {
      if (m.to().equals(ScenarioCluster.idOf(n))) {
        return true;
      }
    }
    return false;
  }

  private void electOnly(int node) {
    for (int t = 0; t < 10 * ELECTION_TIMEOUT && c.core(node).role() != Role.LEADER; t++) {
      c.runTicksOf(1, node);
    }
    assertThat(c.core(node).role()).as("%s elected; %s", node, c.describe()).isEqualTo(Role.LEADER);
  }

  /**
   * (a) and (b): S1 (term 2) puts its entry on S2 only; then S5 (term 3) appends its own entry and
   * replicates none.
   */
  private void figure8ab() {
    Entry first = Entry.command(1, 1, ScenarioCluster.bytes("c1"));
    PersistentState start = new PersistentState(new HardState(1, null), List.of(first), 0, 0);
    RaftConfig cfg = RaftConfig.defaults().withCheckQuorum(false).withBatching(1, 1 << 20, 64);
    c = new ScenarioCluster(cfg, 81, Collections.nCopies(5, start));

    // (a) S1 is leader in term 2 and partially replicates its term-2 entries: S2 gets the first
    // (the no-op at 2)
    c.dropIf(m -> appendFrom(m, S1) && (!to(m, S2) || ((AppendRequest) m).prevLogIndex() >= 2));
    electOnly(S1);
    assertThat(c.core(S1).term()).isEqualTo(2);
    assertThat(((ProposeResult.Accepted) c.start(S1, "x2")).index()).isEqualTo(FIG_INDEX);
    c.runTicksOf(3, S1);
    assertThat(c.core(S2).lastIndex()).isEqualTo(2);
    assertThat(c.core(S2).termAt(2)).isEqualTo(2);
    assertThat(c.core(S3).lastIndex()).isEqualTo(1);

    // (b) S1 crashes; S5 is elected in term 3 with votes from S3, S4 and itself, and accepts an
    // entry at the index
    c.crash(S1);
    c.dropIf(m -> appendFrom(m, S5));
    electOnly(S5);
    assertThat(c.core(S5).term()).isEqualTo(3);
    assertThat(((ProposeResult.Accepted) c.start(S5, "y3")).index()).isEqualTo(FIG_INDEX);
    c.runTicksOf(3, S5);
    c.crash(S5);

    // (c) S1 restarts, is elected in term 4, and replicates its term-2 entries to S2 and S3 —
    // acknowledged, so S1
    // knows they are on a majority — but not its own term-4 no-op
    c.restart(S1);
    c.dropIf(
        m ->
            appendFrom(m, S1)
                && (to(m, S4, S5) || (carriesTerm((AppendRequest) m, 4) && wouldAccept(m))));
    electOnly(S1);
    assertThat(c.core(S1).term()).isEqualTo(4);
    c.runTicksOf(3 * ELECTION_TIMEOUT, S1);
  }

  private static boolean carriesTerm(AppendRequest a, long term) {
    return a.entries().stream().anyMatch(e -> e.term() == term);
  }

  private boolean wouldAccept(Message m) {
    AppendRequest a = (AppendRequest) m;
    RaftCore to = c.core(c.indexOf(a.to()));
    return to != null && to.termAt(a.prevLogIndex()) == a.prevLogTerm();
  }

  // Figure 8 (c) and (d): the term-2 entry on a majority is not committed, and S5 may then
  // overwrite it.
  @Test
  void entryFromOlderTermOnMajorityIsNotCommittedAndMayBeOverwritten() {
    figure8ab();
    // (c): the term-2 entries are on S1, S2, S3 — a majority, as S1 learnt from their
    // acknowledgements — but the
    // term-4 entry is only on S1
    for (int s : new int[] {S1, S2, S3}) {
      assertThat(c.core(s).termAt(FIG_INDEX)).as("S%d holds the term-2 entry", s + 1).isEqualTo(2);
    }
    assertThat(c.core(S1).termAt(FIG_INDEX + 1)).isEqualTo(4);
    assertThat(c.core(S2).lastIndex()).isEqualTo(FIG_INDEX);
    assertThat(c.core(S3).lastIndex()).isEqualTo(FIG_INDEX);
    assertThat(c.core(S1).commitIndex())
        .as("the term-4 leader counted replicas of a term-2 entry")
        .isZero();
    for (int s : new int[] {S1, S2, S3, S4}) {
      assertThat(c.applied(s)).isEmpty();
    }

    // (d): S1 crashes; S5 is elected (term 5, votes from S2, S3, S4 — its last term 3 beats their 2
    // and 1) and overwrites the term-2 entry everywhere with its own term-3 entry
    c.crash(S1);
    c.dropIf(m -> false);
    c.restart(S5);
    electOnly(S5);
    assertThat(c.core(S5).term()).isEqualTo(5);
    c.runTicksOf(3 * ELECTION_TIMEOUT, S5);
    for (int s : new int[] {S2, S3, S4, S5}) {
      assertThat(c.core(s).termAt(FIG_INDEX)).as("S%d index %d", s + 1, FIG_INDEX).isEqualTo(3);
      assertThat(c.applied(s).get(FIG_INDEX).data()).isEqualTo(ScenarioCluster.bytes("y3"));
    }
    assertThat(c.overwrites(S2))
        .as("S2 replaced its term-2 entries from index 2")
        .containsExactly(2L);
    assertThat(c.overwrites(S3))
        .as("S3 replaced its term-2 entries from index 2")
        .containsExactly(2L);

    // S1 comes back and is brought in line too; the entry it once thought replicated is gone,
    // safely
    c.restart(S1);
    c.runUntil(
        () -> c.nCommitted(FIG_INDEX + 1).count() == 5, 5 * ELECTION_TIMEOUT, "S1 caught up");
    assertThat(c.core(S1).termAt(FIG_INDEX)).isEqualTo(3);
    assertThat(c.overwrites(S1)).containsExactly(2L);
    c.one("after", 5, true);
  }

  // Figure 8 (e): once the term-4 leader replicates an entry of its own term on a majority, the
  // earlier entry is committed with it, and S5 can no longer win an election (Raft §5.4.1), so
  // nothing committed is lost.
  @Test
  void entryOfCurrentTermOnMajorityCommitsEarlierEntriesAndBlocksS5() {
    figure8ab();
    assertThat(c.core(S1).commitIndex()).isZero();
    c.dropIf(m -> appendFrom(m, S1) && to(m, S4, S5));
    c.runTicksOf(3, S1);
    assertThat(c.core(S1).commitIndex()).isEqualTo(FIG_INDEX + 1);
    for (int s : Set.of(S1, S2, S3)) {
      assertThat(new String(c.applied(s).get(FIG_INDEX).data())).isEqualTo("x2");
    }

    c.crash(S1);
    c.dropIf(m -> false);
    c.restart(S5);
    for (int t = 0; t < 5 * ELECTION_TIMEOUT; t++) {
      c.runTicksOf(1, S5);
      assertThat(c.core(S5).role())
          .as("S5 elected without the committed entry")
          .isNotEqualTo(Role.LEADER);
    }
    int leader = c.checkOneLeader();
    assertThat(leader).isIn(S2, S3);
    c.restart(S1);
    long last = c.one("after", 5, true);
    assertThat(last).isGreaterThan(FIG_INDEX);
    assertThat(c.nCommitted(FIG_INDEX).count()).isEqualTo(5);
    assertThat(c.nCommitted(FIG_INDEX).command()).isEqualTo("x2");
  }
}
