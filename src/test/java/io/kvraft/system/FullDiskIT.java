package io.kvraft.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvraft.linearizability.KvOp;
import io.kvraft.node.FillableStorage;
import io.kvraft.node.NodeStatus;
import io.kvraft.raft.log.RaftStorage;
import io.kvraft.testing.SpringCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A full disk. No small filesystem can be mounted here, so the fault is injected in-process: three
 * nodes run as Spring contexts on loopback (the shipped wiring, HTTP transport, file storage), and
 * each node's storage bean is wrapped so a test can make every later write fail with "No space left
 * on device", as ENOSPC does. The node whose disk fills must acknowledge nothing it did not
 * persist, report itself DOWN on /actuator/health and on its liveness probe (only a restart
 * recovers it), stop claiming to lead once the others elected a leader, and the others must keep
 * serving; once the disk has room again and the node restarts, it catches up.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FullDiskIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration LEADER_WAIT = Duration.ofSeconds(20);
  private final Map<String, FillableStorage> storages = new ConcurrentHashMap<>();
  private final OkHttpClient http =
      new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(3)).build();
  private Path root;
  private SpringCluster cluster;

  @Test
  void nodeWithFullDiskAcknowledgesNothingReportsDownAndOthersServe() throws Exception {
    root =
        Files.createTempDirectory(
            Files.createDirectories(Path.of("target", "it-clusters")).toAbsolutePath(),
            "full-disk-");
    try {
      cluster =
          SpringCluster.builder()
              .nodes(3)
              .dataDir(root)
              .property("raft.tick-interval", "20ms")
              .property("kv.request-timeout", "1s")
              .initializer(this::fillableDisk)
              .start();
      String full = cluster.awaitLeader(LEADER_WAIT);
      Map<String, String> urls = cluster.urls();
      Workload w = new Workload(urls, "full disk (leader)", 4, 3);
      w.start();
      Thread.sleep(2000);

      // The leader's disk fills up under load.
      FillableStorage disk = storages.get(full);
      disk.fill();
      await().atMost(Duration.ofSeconds(10)).until(() -> !status(full).healthy());
      NodeStatus failed = status(full);
      System.out.println("[full disk (leader)] " + full + " failed: " + failed.failure());
      assertThat(failed.failure()).contains("No space left on device");
      // It never counts or applies what it did not persist...
      assertThat(failed.lastApplied())
          .as("applied on the full node")
          .isLessThanOrEqualTo(disk.persistedIndex());
      // ...says so on /actuator/health...
      try (Response r =
          http.newCall(new Request.Builder().url(urls.get(full) + "/actuator/health").build())
              .execute()) {
        assertThat(r.code()).isEqualTo(503);
        JsonNode raft = JSON.readTree(r.body().bytes()).path("components").path("raft");
        assertThat(raft.path("status").asText()).isEqualTo("DOWN");
        assertThat(raft.path("details").path("failure").asText())
            .contains("No space left on device");
      }
      // ...and acknowledges no write sent to it.
      RecordingClient probe = w.probeClient(1, Duration.ofSeconds(2), Duration.ofSeconds(3));
      if (probe.execute(new KvOp.Put("full-disk-probe", "x"), full).known()) {
        w.anomaly("the node with a full disk acknowledged a write");
      }
      // The other two elect a leader and keep serving.
      String next = cluster.awaitLeader(LEADER_WAIT, full);
      // The failed leader no longer claims to lead (it saw none of the new term), and asks to be
      // restarted: a failed write or fsync is recovered only by a restart. Its health never names
      // the data directory.
      assertThat(status(next).term()).isGreaterThan(failed.term());
      try (Response r =
          http.newCall(new Request.Builder().url(urls.get(full) + "/actuator/health").build())
              .execute()) {
        JsonNode health = JSON.readTree(r.body().bytes()).path("components");
        assertThat(health.path("raft").path("details").path("role").asText())
            .isNotEqualTo("LEADER");
        assertThat(health.path("raft").path("details").path("leader").asText()).isEmpty();
        assertThat(health.path("diskSpace").path("details").has("path")).isFalse();
        assertThat(health.toString()).doesNotContain(root.resolve(full).toString());
      }
      try (Response r =
          http.newCall(
                  new Request.Builder().url(urls.get(full) + "/actuator/health/liveness").build())
              .execute()) {
        assertThat(r.code()).isEqualTo(503);
        JsonNode loop = JSON.readTree(r.body().bytes()).path("components").path("raftLoop");
        assertThat(loop.path("status").asText()).isEqualTo("DOWN");
        assertThat(loop.path("details").path("reason").asText())
            .contains("restart")
            .contains("No space left on device");
      }
      try (Response r =
          http.newCall(
                  new Request.Builder().url(urls.get(full) + "/kv/full-disk-leader-header").build())
              .execute()) {
        assertThat(r.header("Raft-Leader"))
            .as("Raft-Leader from the failed node")
            .isNotEqualTo(full);
      }
      long okBefore = w.okCount();
      Thread.sleep(Scenarios.load(5).toMillis());
      Scenarios.awaitProgress(w, okBefore + 20, "the others keep serving");

      // Space is freed and the node restarted: it comes back healthy and catches up.
      cluster.restart(full);
      Thread.sleep(1000);
      w.stop();
      long commit = status(next).commitIndex();
      await().atMost(Duration.ofSeconds(30)).until(() -> status(full).lastApplied() >= commit);
      assertThat(status(full).healthy()).isTrue();
      System.out.println(
          "[full disk (leader)] "
              + full
              + " restarted and caught up to "
              + commit
              + "; new leader "
              + next);
      Scenarios.assertClean(w.finish());
    } finally {
      if (cluster != null) {
        cluster.close();
      }
      KvraftCluster.deleteTree(root);
    }
  }

  /**
   * Wraps the node's storage bean so that the test can fill its disk; at every start of the node.
   */
  private ApplicationContextInitializer<ConfigurableApplicationContext> fillableDisk(String id) {
    return ctx ->
        ctx.getBeanFactory()
            .addBeanPostProcessor(
                new BeanPostProcessor() {
                  @Override
                  public Object postProcessAfterInitialization(Object bean, String name) {
                    if (bean instanceof RaftStorage s && !(bean instanceof FillableStorage)) {
                      FillableStorage f = new FillableStorage(s);
                      storages.put(id, f);
                      return f;
                    }
                    return bean;
                  }
                });
  }

  private NodeStatus status(String id) {
    return cluster.status(id);
  }
}
