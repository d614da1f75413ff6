package io.kvraft.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The fault scenarios' exactly-once check has teeth on real processes: on a cluster whose members
 * skip duplicate detection ({@link NoDedupMember}), slow links make the standard workload's token
 * clients re-send writes that are still committing, and the workload reports a token applied twice.
 * One short scenario: the point is that the check catches the bug, not to soak it.
 */
class ExactlyOnceMutantIT extends SharedClusterFaults {
  /** Each way, so a commit takes over 400 ms and a token client (300 ms per attempt) re-sends. */
  private static final long LINK_DELAY_MILLIS = 200;

  @Override
  KvraftCluster newCluster() throws IOException {
    return new KvraftCluster("no-dedup", 3).withMainClass(NoDedupMember.class);
  }

  @Test
  void tokenAppliedTwiceIsReported() {
    Workload w = Workload.standard(cluster, "mutant without duplicate detection, slow links");
    w.start();
    KvraftCluster.sleep(1000);
    cluster.delayAll(LINK_DELAY_MILLIS);
    KvraftCluster.sleep(Scenarios.load(5).toMillis());
    cluster.heal();
    KvraftCluster.sleep(1000);
    w.stop();
    cluster.awaitLeader(LEADER_WAIT);
    Workload.Report report = w.finish();
    assertThat(report.sameSeqRetries()).as("writes re-sent with the same seq").isPositive();
    assertThat(report.anomalies())
        .as(report.summary())
        .anySatisfy(a -> assertThat(a).containsPattern("token \\S+ applied [0-9]+ times"));
  }
}
