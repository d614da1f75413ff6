package io.kvraft.system;

import io.kvraft.linearizability.KvOp;
import java.time.Duration;
import java.util.List;

/**
 * Asks the nodes of a cut-off minority for a write and a linearizable read, each aimed at that node
 * alone: neither may be answered. Both are recorded in the workload's history, so a write that
 * slipped through would also show up in the linearizability check.
 */
final class MinorityProbe {
  private MinorityProbe() {}

  static void probe(Workload w, KvraftCluster cluster, List<String> minority) {
    int n = 0;
    for (String id : minority) {
      String key = "minority-" + id + "-" + System.nanoTime();
      RecordingClient c = w.probeClient(50 + n++, Duration.ofSeconds(2), Duration.ofSeconds(3));
      RecordingClient.Outcome write = c.execute(new KvOp.Put(key, "from-minority"), id);
      if (write.known()) {
        w.anomaly("node " + id + " in the minority acknowledged a write to " + key);
      }
      RecordingClient.Outcome read = c.execute(new KvOp.Get(key), id);
      if (read.known()) {
        w.anomaly(
            "node " + id + " in the minority answered a linearizable read: '" + read.value() + "'");
      }
      System.out.println(
          "[minority probe] "
              + id
              + ": write "
              + (write.known() ? "ACKNOWLEDGED" : "not acknowledged")
              + ", read "
              + (read.known() ? "ANSWERED" : "not answered"));
    }
  }
}
