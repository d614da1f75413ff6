package io.kvraft.raft.scenario;

import static io.kvraft.raft.scenario.ScenarioCluster.ELECTION_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.raft.ProposeResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The 6.824 TestFigure8 / TestFigure8Unreliable shapes: leaders come and go with entries
 * half-replicated, the situation of paper Figure 8 arising at random. Raft §5.4.2 (commit only
 * current-term entries by counting) and State Machine Safety (Figure 3), which the cluster checks
 * on every apply, including re-applies after restarts.
 */
class Figure8StressTest {

  // Raft §5.4: repeated leader crashes with proposals in between never lose or change a committed
  // entry.
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {91, 191, 291, 391, 491})
  void figure8(long seed) {
    ScenarioCluster c = new ScenarioCluster(5, seed);
    c.one("init", 1, true);
    int nup = 5;
    for (int iter = 0; iter < 1000; iter++) {
      int leader = -1;
      for (int i = 0; i < 5; i++) {
        if (c.isAlive(i) && c.start(i, "f" + iter + "-" + i) instanceof ProposeResult.Accepted) {
          leader = i;
        }
      }
      c.runTicks(
          c.random().nextInt(1000) < 100
              ? c.random().nextInt(ELECTION_TIMEOUT / 2)
              : c.random().nextInt(2));
      if (leader != -1 && c.isAlive(leader)) {
        c.crash(leader);
        nup--;
      }
      if (nup < 3) {
        int s = c.random().nextInt(5);
        if (!c.isAlive(s)) {
          c.restart(s);
          nup++;
        }
      }
    }
    for (int i = 0; i < 5; i++) {
      if (!c.isAlive(i)) {
        c.restart(i);
      }
    }
    long last = c.one("final", 5, true);
    assertThat(c.termsWithLeader().size()).as("leaders came and went").isGreaterThan(50);
    for (long index = 1; index <= last; index++) {
      assertThat(c.nCommitted(index).count()).as("index %d applied everywhere", index).isEqualTo(5);
    }
  }

  // Same, over a network that drops 10% of messages, delays them, and from iteration 200 holds back
  // most replies far longer than an election timeout; leaders are disconnected instead of crashed.
  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {92, 192, 292, 392, 492})
  void figure8Unreliable(long seed) {
    ScenarioCluster c = new ScenarioCluster(5, seed);
    c.setUnreliable(true);
    c.one("init", 1, true);
    int nup = 5;
    for (int iter = 0; iter < 1000; iter++) {
      if (iter == 200) {
        c.setLongReordering(true);
      }
      int leader = -1;
      for (int i = 0; i < 5; i++) {
        if (c.start(i, "u" + iter + "-" + i) instanceof ProposeResult.Accepted
            && c.isConnected(i)) {
          leader = i;
        }
      }
      c.runTicks(
          c.random().nextInt(1000) < 100
              ? c.random().nextInt(ELECTION_TIMEOUT / 2)
              : c.random().nextInt(2));
      if (leader != -1 && c.random().nextInt(1000) < 500 && c.isConnected(leader)) {
        c.disconnect(leader);
        nup--;
      }
      if (nup < 3) {
        int s = c.random().nextInt(5);
        if (!c.isConnected(s)) {
          c.connect(s);
          nup++;
        }
      }
    }
    for (int i = 0; i < 5; i++) {
      c.connect(i);
    }
    long last = c.one("final", 5, true);
    for (long index = 1; index <= last; index++) {
      c.waitCommitted(index, 5);
    }
    assertThat(c.checkOneLeader()).isBetween(0, 4);
  }
}
