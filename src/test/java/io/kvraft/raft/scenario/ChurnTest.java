package io.kvraft.raft.scenario;

import static io.kvraft.raft.scenario.ScenarioCluster.ELECTION_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.raft.ProposeResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The 6.824 TestReliableChurn / TestUnreliableChurn shapes: nodes crash, restart and disconnect at
 * random while clients keep proposing. Raft Figure 3's State Machine Safety is checked on every
 * apply; at the end every command a client saw committed must be in the log every node applies
 * (Leader Completeness, §5.4).
 */
class ChurnTest {

  /**
   * A 6.824 churn client: proposes on every live node, then watches the index it got for a few
   * ticks.
   */
  private static final class Client {
    final int me;
    int counter;
    String pending;
    long pendingIndex = -1;
    int waited;
    final List<String> committed = new ArrayList<>();

    Client(int me) {
      this.me = me;
    }

    void step(ScenarioCluster c) {
      if (pending != null) {
        ScenarioCluster.Committed got = c.nCommitted(pendingIndex);
        if (got.count() > 0) {
          if (pending.equals(got.command())) {
            committed.add(pending);
          }
          pending = null;
        } else if (++waited > 8) {
          pending = null; // gave up; it may or may not commit later
        }
        return;
      }
      String x = "c" + me + "-" + counter++;
      long index = -1;
      for (int i = 0; i < c.size(); i++) {
        if (c.start(i, x) instanceof ProposeResult.Accepted a) {
          index = a.index();
        }
      }
      if (index > 0) {
        pending = x;
        pendingIndex = index;
        waited = 0;
      }
    }
  }

  private static void churn(long seed, boolean unreliable) {
    ScenarioCluster c = new ScenarioCluster(5, seed);
    c.setUnreliable(unreliable);
    c.one("init", 1, true);
    List<Client> clients = List.of(new Client(0), new Client(1), new Client(2));
    int crashes = 0;
    for (int iter = 0; iter < 20; iter++) {
      if (c.random().nextInt(1000) < 200) {
        c.disconnect(c.random().nextInt(5));
      }
      if (c.random().nextInt(1000) < 500) {
        int i = c.random().nextInt(5);
        if (!c.isAlive(i)) {
          c.restart(i);
        }
        c.connect(i);
      }
      if (c.random().nextInt(1000) < 200) {
        int i = c.random().nextInt(5);
        if (c.isAlive(i)) {
          c.crash(i);
          crashes++;
        }
      }
      for (int t = 0; t < ELECTION_TIMEOUT * 7 / 10; t++) {
        clients.forEach(cl -> cl.step(c));
        c.runTicks(1);
      }
    }
    for (int t = 0; t < ELECTION_TIMEOUT; t++) {
      clients.forEach(cl -> cl.step(c));
      c.runTicks(1);
    }
    c.setUnreliable(false);
    for (int i = 0; i < 5; i++) {
      if (!c.isAlive(i)) {
        c.restart(i);
      }
      c.connect(i);
    }
    c.runTicks(ELECTION_TIMEOUT);

    long last = c.one("final", 5, true);
    Set<String> really = new HashSet<>();
    for (long index = 1; index <= last; index++) {
      String cmd = c.waitCommitted(index, 5);
      really.add(cmd);
    }
    int seen = 0;
    for (Client cl : clients) {
      for (String v : cl.committed) {
        assertThat(really)
            .as("client saw %s committed but it is not in the final log", v)
            .contains(v);
        seen++;
      }
    }
    assertThat(seen).as("clients got commands committed during churn").isGreaterThan(10);
    assertThat(crashes).as("the churn crashed nodes").isPositive();
  }

  @Test
  void reliableChurn() {
    for (long seed : new long[] {101, 201, 301}) {
      churn(seed, false);
    }
  }

  @Test
  void unreliableChurn() {
    for (long seed : new long[] {102, 202, 302}) {
      churn(seed, true);
    }
  }
}
