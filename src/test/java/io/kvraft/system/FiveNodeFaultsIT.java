package io.kvraft.system;

import static io.kvraft.system.Scenarios.before;
import static io.kvraft.system.Scenarios.deadline;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Fault scenarios on one five-node cluster of real processes: random kills, a minority split,
 * one-way cuts.
 */
class FiveNodeFaultsIT extends SharedClusterFaults {
  @Override
  KvraftCluster newCluster() throws IOException {
    return new KvraftCluster("five", 5);
  }

  @Test
  void randomNodeKilledEveryFewSeconds() {
    Workload w = Workload.standard(cluster, "random node killed (5 nodes)");
    w.start();
    long end = deadline(Scenarios.load(15));
    List<String> down = new ArrayList<>();
    int kills = 0;
    while (before(end)) {
      KvraftCluster.sleep(1000 + random.nextInt(1500));
      // At most two of five down, so a majority always remains; a node comes back after a while.
      if (down.size() == 2 || (!down.isEmpty() && random.nextInt(3) == 0)) {
        cluster.spawn(down.remove(random.nextInt(down.size())));
      } else {
        List<String> up = new ArrayList<>(cluster.ids());
        up.removeAll(down);
        String victim = up.get(random.nextInt(up.size()));
        cluster.kill(victim);
        down.add(victim);
        kills++;
      }
    }
    w.stop();
    cluster.restoreAll();
    cluster.awaitLeader(LEADER_WAIT);
    System.out.println("[random node killed (5 nodes)] kills: " + kills);
    Scenarios.assertClean(w.finish());
  }

  @Test
  void leaderAndOneFollowerCutOffInMinority() {
    Workload w = Workload.standard(cluster, "leader in a 2-node minority (5 nodes)");
    w.start();
    KvraftCluster.sleep(2000);
    String old = cluster.awaitLeader(LEADER_WAIT);
    String buddy = cluster.ids().stream().filter(id -> !id.equals(old)).findFirst().orElseThrow();
    Set<String> minority = Set.of(old, buddy);
    cluster.partition(minority);
    long okBefore = w.okCount();
    MinorityProbe.probe(w, cluster, List.of(old, buddy));
    String now = cluster.awaitLeader(LEADER_WAIT, minority);
    KvraftCluster.sleep(Scenarios.load(6).toMillis());
    Scenarios.awaitProgress(w, okBefore + 20, "the majority keeps serving");
    cluster.heal();
    KvraftCluster.sleep(2000);
    w.stop();
    String after = cluster.awaitLeader(LEADER_WAIT);
    long commit = cluster.health(after).commitIndex();
    cluster.awaitApplied(old, commit, Duration.ofSeconds(20));
    cluster.awaitApplied(buddy, commit, Duration.ofSeconds(20));
    System.out.println(
        "[leader in a 2-node minority (5 nodes)] minority " + minority + ", new leader " + now);
    Scenarios.assertClean(w.finish());
  }

  @Test
  void oneWayCutsAndSlowLinks() {
    Workload w = Workload.standard(cluster, "one-way cuts and slow links (5 nodes)");
    w.start();
    long end = deadline(Scenarios.load(12));
    int rounds = 0;
    while (before(end)) {
      KvraftCluster.sleep(1000);
      String leader = cluster.awaitLeader(LEADER_WAIT);
      switch (rounds % 3) {
        case 0 -> {
          // The leader can hear everyone but nobody hears it: followers elect another leader, whose
          // higher term reaches the old one.
          for (String id : cluster.ids()) {
            if (!id.equals(leader)) {
              cluster.cutOneWay(leader, id);
            }
          }
        }
        case 1 -> {
          // Random one-way cuts between random pairs.
          Set<String> cuts = new HashSet<>();
          for (int i = 0; i < 4; i++) {
            String a = cluster.ids().get(random.nextInt(5));
            String b = cluster.ids().get(random.nextInt(5));
            if (!a.equals(b)) {
              cluster.cutOneWay(a, b);
              cuts.add(a + ">" + b);
            }
          }
        }
        default -> cluster.delayAll(30 + random.nextInt(40));
      }
      rounds++;
      KvraftCluster.sleep(2500);
      cluster.heal();
    }
    KvraftCluster.sleep(1500);
    w.stop();
    cluster.awaitLeader(LEADER_WAIT);
    System.out.println("[one-way cuts and slow links (5 nodes)] fault rounds: " + rounds);
    Scenarios.assertClean(w.finish());
  }
}
