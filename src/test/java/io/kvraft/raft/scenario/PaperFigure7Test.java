package io.kvraft.raft.scenario;

import static io.kvraft.raft.scenario.ScenarioCluster.ELECTION_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import io.kvraft.raft.PersistentState;
import io.kvraft.raft.RaftConfig;
import io.kvraft.raft.Role;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Raft paper Figure 7: when the leader of term 8 comes to power, followers may miss entries (a, b),
 * have extra uncommitted entries (c, d), or both (e, f). Raft §5.3: "the leader handles
 * inconsistencies by forcing the followers' logs to duplicate its own", finding "the latest log
 * entry where the two logs agree", deleting the follower's entries after that point — and §5.3's
 * append rule: only an entry that conflicts (same index, different term) is deleted, with
 * everything that follows it.
 */
class PaperFigure7Test {
  private static final int LEADER = 0;
  private static final int A = 1, B = 2, C = 3, D = 4, E = 5, F = 6;

  private static List<Entry> log(int... terms) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < terms.length; i++) {
      long index = i + 1;
      out.add(Entry.command(terms[i], index, ScenarioCluster.bytes(index + "@" + terms[i])));
    }
    return out;
  }

  private static PersistentState state(long term, int... terms) {
    return new PersistentState(new HardState(term, null), log(terms), 0, 0);
  }

  @Test
  void leaderOfTerm8ForcesFollowersLogsToMatchItsOwn() {
    List<PersistentState> figure =
        List.of(
            state(7, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6), // the leader-to-be
            state(6, 1, 1, 1, 4, 4, 5, 5, 6, 6), // (a) missing one entry
            state(4, 1, 1, 1, 4), // (b) missing many
            state(6, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6), // (c) one extra uncommitted entry of term 6
            state(7, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7), // (d) extra entries of term 7
            state(4, 1, 1, 1, 4, 4, 4, 4), // (e) missing, plus extra entries of term 4
            state(
                3, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3,
                3)); // (f) leader of terms 2 and 3, extras never committed
    ScenarioCluster c = new ScenarioCluster(RaftConfig.defaults(), 71, figure);

    // (c) and (d) hold logs more up to date than the leader's, so they could never vote for it;
    // leave them out of the election, and let only the figure's leader time out (it has the most
    // up-to-date log of the rest).
    c.disconnect(C);
    c.disconnect(D);
    for (int t = 0; t < 10 * ELECTION_TIMEOUT && c.core(LEADER).role() != Role.LEADER; t++) {
      c.runTicksOf(1, LEADER);
    }
    assertThat(c.core(LEADER).role()).isEqualTo(Role.LEADER);
    assertThat(c.core(LEADER).term())
        .as("the figure's leader is the leader of term 8")
        .isEqualTo(8);

    c.connect(C);
    c.connect(D);
    c.runUntil(
        () -> {
          for (int i = 1; i <= 6; i++) {
            if (!c.durableLog(i).equals(c.durableLog(LEADER))) {
              return false;
            }
          }
          return true;
        },
        5 * ELECTION_TIMEOUT,
        "every follower's log matches the leader's");

    // the leader's log is the figure's plus its term-8 no-op at 11; nothing of it was ever removed
    List<Entry> leaderLog = c.durableLog(LEADER);
    assertThat(leaderLog.subList(0, 10)).isEqualTo(log(1, 1, 1, 4, 4, 5, 5, 6, 6, 6));
    assertThat(leaderLog.get(10).term()).isEqualTo(8);
    assertThat(c.overwrites(LEADER)).isEmpty();

    // entries are deleted only from the first conflicting index on; a follower that merely lags
    // loses nothing
    assertThat(c.overwrites(A)).as("(a)").isEmpty();
    assertThat(c.overwrites(B)).as("(b)").isEmpty();
    assertThat(c.overwrites(C)).as("(c) conflicts at 11 (6 vs 8)").containsExactly(11L);
    assertThat(c.overwrites(D)).as("(d) conflicts at 11 (7 vs 8)").containsExactly(11L);
    assertThat(c.overwrites(E)).as("(e) conflicts at 6 (4 vs 5)").containsExactly(6L);
    assertThat(c.overwrites(F)).as("(f) conflicts at 4 (2 vs 4)").containsExactly(4L);

    // and once the term-8 entry is on a majority, everything up to it is committed and applied
    // everywhere
    c.runUntil(() -> c.nCommitted(11).count() == 7, 5 * ELECTION_TIMEOUT, "all applied index 11");
    for (int i = 0; i < 7; i++) {
      assertThat(c.applied(i).values()).containsExactlyElementsOf(leaderLog.subList(0, 11));
      assertThat(c.core(i).term()).isEqualTo(8);
    }
  }
}
