package io.kvraft.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvraft.KvraftApplication;
import io.kvraft.linearizability.KvOp;
import io.kvraft.node.NodeStatus;
import io.kvraft.node.RaftNode;
import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import io.kvraft.raft.Role;
import io.kvraft.raft.log.ForwardingRaftStorage;
import io.kvraft.raft.log.RaftStorage;
import io.kvraft.raft.log.RecoveredState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A full disk. No small filesystem can be mounted here, so the fault is injected in-process: three nodes run as
 * Spring contexts on loopback (the shipped wiring, HTTP transport, file storage), and each node's storage bean is
 * wrapped so a test can make every later write fail with "No space left on device", as ENOSPC does. The node whose
 * disk fills must acknowledge nothing it did not persist, report itself DOWN on /actuator/health and on its liveness
 * probe (only a restart recovers it), stop claiming to lead once the others elected a leader, and the others must
 * keep serving; once the disk has room again and the node restarts, it catches up.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FullDiskIT {
  /** Storage whose disk can fill up: after {@link #fill()}, every write fails as ENOSPC would. */
  static final class FillableStorage extends ForwardingRaftStorage {
    private volatile boolean full;
    private final AtomicLong persistedIndex = new AtomicLong();
    private volatile long appendedIndex;

    FillableStorage(RaftStorage inner) {
      super(inner);
    }

    void fill() {
      full = true;
    }

    long persistedIndex() {
      return persistedIndex.get();
    }

    private void checkSpace() throws IOException {
      if (full) {
        throw new IOException("No space left on device");
      }
    }

    @Override
    public RecoveredState recover() throws IOException {
      RecoveredState s = inner.recover();
      persistedIndex.set(inner.lastIndex());
      return s;
    }

    @Override
    public void append(List<Entry> entries) throws IOException {
      checkSpace();
      inner.append(entries);
      appendedIndex = inner.lastIndex();
    }

    @Override
    public void saveHardState(HardState hardState) throws IOException {
      checkSpace();
      inner.saveHardState(hardState);
    }

    @Override
    public void sync() throws IOException {
      checkSpace();
      inner.sync();
      persistedIndex.set(appendedIndex);
    }

    @Override
    public void compactPrefix(long upToIndex, long termAtIndex) throws IOException {
      checkSpace();
      inner.compactPrefix(upToIndex, termAtIndex);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Map<String, Integer> ports = new LinkedHashMap<>();
  private final Map<String, ConfigurableApplicationContext> nodes = new ConcurrentHashMap<>();
  private final Map<String, FillableStorage> storages = new ConcurrentHashMap<>();
  private final OkHttpClient http = new OkHttpClient.Builder().callTimeout(Duration.ofSeconds(3)).build();
  private Path root;
  private String peers;

  @Test
  void nodeWithFullDiskAcknowledgesNothingReportsDownAndOthersServe() throws Exception {
    root = Files.createTempDirectory(Files.createDirectories(Path.of("target", "it-clusters")).toAbsolutePath(), "full-disk-");
    for (String id : List.of("n1", "n2", "n3")) {
      ports.put(id, io.kvraft.TestPorts.reserve());
    }
    peers =
        ports.entrySet().stream()
            .map(e -> e.getKey() + "=http://127.0.0.1:" + e.getValue())
            .collect(Collectors.joining(","));
    try {
      ports.keySet().forEach(this::start);
      String full = awaitLeader(null);
      Map<String, String> urls = new LinkedHashMap<>();
      ports.forEach((id, port) -> urls.put(id, "http://127.0.0.1:" + port));
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
      assertThat(failed.lastApplied()).as("applied on the full node").isLessThanOrEqualTo(disk.persistedIndex());
      // ...says so on /actuator/health...
      try (Response r = http.newCall(new Request.Builder().url(urls.get(full) + "/actuator/health").build()).execute()) {
        assertThat(r.code()).isEqualTo(503);
        JsonNode raft = JSON.readTree(r.body().bytes()).path("components").path("raft");
        assertThat(raft.path("status").asText()).isEqualTo("DOWN");
        assertThat(raft.path("details").path("failure").asText()).contains("No space left on device");
      }
      // ...and acknowledges no write sent to it.
      RecordingClient probe = w.probeClient(1, Duration.ofSeconds(2), Duration.ofSeconds(3));
      if (probe.execute(new KvOp.Put("full-disk-probe", "x"), full).known()) {
        w.anomaly("the node with a full disk acknowledged a write");
      }
      // The other two elect a leader and keep serving.
      String next = awaitLeader(full);
      // The failed leader no longer claims to lead (it saw none of the new term), and asks to be restarted: a failed
      // write or fsync is recovered only by a restart. Its disk space indicator looks at the data directory.
      assertThat(status(next).term()).isGreaterThan(failed.term());
      try (Response r = http.newCall(new Request.Builder().url(urls.get(full) + "/actuator/health").build()).execute()) {
        JsonNode health = JSON.readTree(r.body().bytes()).path("components");
        assertThat(health.path("raft").path("details").path("role").asText()).isNotEqualTo("LEADER");
        assertThat(health.path("raft").path("details").path("leader").asText()).isEmpty();
        assertThat(Path.of(health.path("diskSpace").path("details").path("path").asText()))
            .isEqualTo(root.resolve(full).toAbsolutePath());
      }
      try (Response r = http.newCall(new Request.Builder().url(urls.get(full) + "/actuator/health/liveness").build())
          .execute()) {
        assertThat(r.code()).isEqualTo(503);
        JsonNode loop = JSON.readTree(r.body().bytes()).path("components").path("raftLoop");
        assertThat(loop.path("status").asText()).isEqualTo("DOWN");
        assertThat(loop.path("details").path("reason").asText()).contains("restart").contains("No space left on device");
      }
      try (Response r = http.newCall(new Request.Builder().url(urls.get(full) + "/kv/full-disk-leader-header").build())
          .execute()) {
        assertThat(r.header("Raft-Leader")).as("Raft-Leader from the failed node").isNotEqualTo(full);
      }
      long okBefore = w.okCount();
      Thread.sleep(Scenarios.load(5).toMillis());
      Scenarios.awaitProgress(w, okBefore + 20, "the others keep serving");

      // Space is freed and the node restarted: it comes back healthy and catches up.
      nodes.remove(full).close();
      start(full);
      Thread.sleep(1000);
      w.stop();
      long commit = status(next).commitIndex();
      await().atMost(Duration.ofSeconds(30)).until(() -> status(full).lastApplied() >= commit);
      assertThat(status(full).healthy()).isTrue();
      System.out.println("[full disk (leader)] " + full + " restarted and caught up to " + commit + "; new leader " + next);
      Scenarios.assertClean(w.finish());
    } finally {
      nodes.values().forEach(ConfigurableApplicationContext::close);
      KvraftCluster.deleteTree(root);
    }
  }

  private void start(String id) {
    SpringApplicationBuilder b = new SpringApplicationBuilder(KvraftApplication.class);
    b.initializers(
        ctx ->
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
                    }));
    nodes.put(
        id,
        b.run(
            "--server.port=" + ports.get(id),
            "--raft.node-id=" + id,
            "--raft.peers=" + peers,
            "--raft.data-dir=" + root.resolve(id),
            "--raft.tick-interval=20ms",
            "--kv.request-timeout=1s",
            "--spring.main.banner-mode=off",
            "--logging.level.root=WARN"));
  }

  private NodeStatus status(String id) {
    return nodes.get(id).getBean(RaftNode.class).status();
  }

  private String awaitLeader(String excluded) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      for (String id : nodes.keySet()) {
        if (!id.equals(excluded)) {
          NodeStatus s = status(id);
          if (s.role() == Role.LEADER && s.healthy()) {
            return id;
          }
        }
      }
      KvraftCluster.sleep(50);
    }
    throw new AssertionError("no leader within 20 s");
  }
}
