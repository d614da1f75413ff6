package io.kvraft.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.web.SlowSender;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12, item 5, on real processes: a few hundred connections to the leader, each sending a PUT
 * whose Content-Length promises a megabyte and then one byte a second. They used to hold every
 * container thread of the leader (each blocked reading its body), so no write in the cluster was
 * answered (followers relay to the leader) and the leader's /actuator/health timed out, for as long
 * as they trickled. Now writes through the leader and through a follower go on being acknowledged
 * during the flood, the leader's health answers, and the workload's history stays linearizable with
 * every acknowledged token present once.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SlowBodyFloodIT {
  private static final int SLOW_SENDERS = 300;
  private static final MediaType BINARY = MediaType.get("application/octet-stream");

  private final OkHttpClient http =
      new OkHttpClient.Builder()
          .connectTimeout(Duration.ofSeconds(2))
          .callTimeout(Duration.ofSeconds(5))
          .retryOnConnectionFailure(false)
          .build();

  @Test
  void writesAndHealthGoOnWhileSlowBodiesFloodTheLeader() throws IOException {
    try (KvraftCluster cluster = new KvraftCluster("slow-body", 3)) {
      cluster.startAll();
      String leader = cluster.awaitLeader(Duration.ofSeconds(30));
      String follower =
          cluster.ids().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      int leaderPort =
          Integer.parseInt(cluster.url(leader).substring(cluster.url(leader).lastIndexOf(':') + 1));
      Workload workload = Workload.standard(cluster, "slow-body flood");
      workload.start();
      AtomicLong viaLeader = new AtomicLong();
      AtomicLong viaFollower = new AtomicLong();
      long healthAnswered = 0;
      try (SlowSender.Flood flood =
          new SlowSender.Flood(
              leaderPort,
              SLOW_SENDERS,
              1_000_000,
              Duration.ofSeconds(1),
              List.<String[]>of(new String[] {"PUT", "/kv/flood"}))) {
        // Give every slow sender time to be taken in and start trickling before measuring.
        KvraftCluster.sleep(3_000);
        long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        int n = 0;
        while (System.nanoTime() < end) {
          if (put(cluster.url(leader), "probe-leader-" + n, "v" + n)) {
            viaLeader.incrementAndGet();
          }
          if (put(cluster.url(follower), "probe-follower-" + n, "v" + n)) {
            viaFollower.incrementAndGet();
          }
          if (healthy(cluster.url(leader))) {
            healthAnswered++;
          }
          n++;
          KvraftCluster.sleep(100);
        }
        System.out.printf(
            "[slow-body flood] during the flood: %d writes via the leader, %d via a follower, health answered %d"
                + " times, %d slow senders cut off and reopened%n",
            viaLeader.get(), viaFollower.get(), healthAnswered, flood.reopened());
      }
      workload.stop();
      Workload.Report report = workload.finish();
      assertThat(viaLeader.get()).as("writes acknowledged by the flooded leader").isPositive();
      assertThat(viaFollower.get())
          .as("writes acknowledged through a follower (relayed to the leader)")
          .isPositive();
      assertThat(healthAnswered).as("the flooded leader's /actuator/health answered").isPositive();
      assertThat(report.anomalies()).isEmpty();
      assertThat(cluster.unexpectedTrouble(Map.of())).as("members' logs").isEmpty();
      assertThat(new java.util.HashSet<>(cluster.stateHashes().values()))
          .as("state hashes %s", cluster.stateHashes())
          .hasSizeLessThan(2);
    }
  }

  private boolean put(String base, String key, String value) {
    Request r =
        new Request.Builder()
            .url(base + "/kv/" + key)
            .put(RequestBody.create(value.getBytes(), BINARY))
            .build();
    try (Response resp = http.newCall(r).execute()) {
      return resp.code() == 204;
    } catch (IOException timedOut) {
      return false;
    }
  }

  private boolean healthy(String base) {
    Request r = new Request.Builder().url(base + "/actuator/health").build();
    try (Response resp = http.newCall(r).execute()) {
      return resp.code() == 200;
    } catch (IOException timedOut) {
      return false;
    }
  }
}
