package io.kvraft.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The power-loss harness catches what kill -9 cannot: for each {@link StorageMutant}, three members
 * run it, and under the recorded load of {@link PowerLossIT} they survive a kill -9 of all members
 * with a clean history (the OS keeps what they wrote), then fail after a power cut of all members,
 * with an acknowledged write lost or a history that is not linearizable.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PowerLossMutantsIT {
  private static final Duration LEADER_WAIT = Duration.ofSeconds(30);

  /** Whole-cluster power cuts a mutant may survive before the test fails. */
  private static final int MAX_CUTS = 4;

  @ParameterizedTest
  @EnumSource(StorageMutant.class)
  void passesKill9ButNotAPowerCut(StorageMutant mutant) throws IOException {
    PowerLoss.assumeFuse();
    KvraftCluster members =
        new KvraftCluster("mutant-" + mutant, 3, PowerLossIT.SEGMENT_BYTES)
            .withMainClass(MutantMember.class.getName(), mutant.name());
    try (PowerLoss power = new PowerLoss(members)) {
      KvraftCluster cluster = power.cluster;
      power.startAll();
      cluster.awaitLeader(LEADER_WAIT);

      Workload control = Workload.standard(cluster, mutant + ": kill -9 of all members");
      control.start();
      KvraftCluster.sleep(3000);
      cluster.killAll(cluster.ids());
      cluster.startAll();
      cluster.awaitLeader(LEADER_WAIT);
      KvraftCluster.sleep(1000);
      control.stop();
      Scenarios.assertClean(control.finish());

      // A cut catches the mutant only if it lands while some acknowledged write is not yet
      // durable on a majority; cuts go on until one does, up to MAX_CUTS.
      List<String> how = List.of();
      int cuts = 0;
      while (how.isEmpty() && cuts < MAX_CUTS) {
        cuts++;
        Workload w = Workload.standard(cluster, mutant + ": power cut " + cuts);
        w.start();
        KvraftCluster.sleep(3000);
        power.cut(cluster.ids());
        power.powerOnAll();
        cluster.awaitLeader(LEADER_WAIT);
        KvraftCluster.sleep(1000);
        w.stop();
        how = caughtBy(w.finish().anomalies());
      }
      System.out.println(
          "["
              + mutant
              + "] "
              + (how.isEmpty() ? "NOT caught" : "caught")
              + " by power cut "
              + cuts
              + " of at most "
              + MAX_CUTS
              + ": "
              + how);
      assertThat(how).as(mutant + ": what the power cuts found").isNotEmpty();
    }
  }

  /** The kinds of evidence among the anomalies, named; empty if none shows lost durability. */
  private static List<String> caughtBy(List<String> anomalies) {
    List<String> kinds = new ArrayList<>();
    long lost = anomalies.stream().filter(a -> a.contains("is lost")).count();
    if (lost > 0) {
      kinds.add(lost + " acknowledged token(s) lost");
    }
    anomalies.stream()
        .filter(a -> a.contains(" ILLEGAL: "))
        .findFirst()
        .ifPresent(a -> kinds.add("history not linearizable (" + a + ")"));
    long duplicated = anomalies.stream().filter(a -> a.contains("times")).count();
    if (duplicated > 0) {
      kinds.add(duplicated + " token(s) applied twice");
    }
    long refused = anomalies.stream().filter(a -> a.contains(": unexpected ")).count();
    if (refused > 0) {
      kinds.add(refused + " request(s) refused for state the cluster had acknowledged");
    }
    return kinds;
  }
}
