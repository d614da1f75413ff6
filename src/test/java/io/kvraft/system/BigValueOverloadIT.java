package io.kvraft.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.ConnectionPool;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12 item 4: members at the heap the ITs and local-cluster.sh give them ({@code -Xmx256m},
 * G1, exit on OutOfMemoryError) under writers of values at the default {@code kv.max-value-bytes}
 * (1 MiB). Before the memory budget the leader died of OutOfMemoryError within seconds, then the
 * next one, and no request was ever answered 503. Now a member must refuse what it cannot hold
 * ({@code 503 Overloaded}) and stay up, and every acknowledged write must be there afterwards.
 *
 * <p>Each writer owns a key and writes it one request at a time with a fresh Request-Seq, so a key
 * is a single-writer register: its final value must be its last acknowledged write or a later write
 * whose outcome the writer does not know, never an older one (a lost acknowledged write) and never
 * one refused as overloaded (which promises that nothing was applied).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class BigValueOverloadIT {
  private static final int VALUE_BYTES = 1 << 20;
  private static final Duration PHASE = Duration.ofSeconds(15);
  private static final MediaType BINARY = MediaType.get("application/octet-stream");
  private static final String OVERLOADED = "urn:kvraft:problem:overloaded";

  private KvraftCluster cluster;
  private final OkHttpClient http =
      new OkHttpClient.Builder()
          .connectTimeout(Duration.ofSeconds(1))
          .callTimeout(Duration.ofSeconds(5))
          .connectionPool(new ConnectionPool(64, 30, TimeUnit.SECONDS))
          .retryOnConnectionFailure(false)
          .build();
  private final AtomicLong overloadedTotal = new AtomicLong();

  @BeforeAll
  void startCluster() throws IOException {
    cluster =
        new KvraftCluster("bigvalues", 3)
            .withJvmOptions("-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError");
    cluster.startAll();
    cluster.awaitLeader(Duration.ofSeconds(30));
  }

  /** No member ran out of memory, logged an error or died by itself, whatever the answers said. */
  @AfterEach
  void membersLogsAreClean() {
    assertThat(cluster.unexpectedTrouble(Map.of())).as("members' logs").isEmpty();
    assertThat(new java.util.HashSet<>(cluster.stateHashes().values()))
        .as("state hashes %s", cluster.stateHashes())
        .hasSizeLessThan(2);
  }

  @AfterAll
  void stopCluster() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
    if (cluster != null) {
      cluster.close();
    }
  }

  @ParameterizedTest(name = "{0} writers of 1 MiB values")
  @ValueSource(ints = {8, 16, 32})
  void bigValueWritersGetAnswersNotAnOutOfMemoryError(int writers) throws InterruptedException {
    Map<String, List<Write>> writesByKey = new ConcurrentHashMap<>();
    AtomicLong acked = new AtomicLong();
    AtomicLong overloaded = new AtomicLong();
    AtomicLong otherFailures = new AtomicLong();
    long deadline = System.nanoTime() + PHASE.toNanos();
    String run = "w" + writers + "-" + Long.toString(System.nanoTime(), 36);
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int id = w;
      Thread t =
          new Thread(
              () -> {
                List<String> nodes = cluster.ids();
                String session = register(nodes, id);
                int seq = 0;
                while (System.nanoTime() < deadline) {
                  seq++;
                  String key = run + "-" + id;
                  String token = run + "." + id + "." + seq;
                  String node = nodes.get((id + seq) % nodes.size());
                  Status s = put(node, key, session, seq, token);
                  writesByKey.computeIfAbsent(key, k -> new ArrayList<>()).add(new Write(token, s));
                  switch (s) {
                    case ACKED -> acked.incrementAndGet();
                    case OVERLOADED -> {
                      overloaded.incrementAndGet();
                      KvraftCluster.sleep(50);
                    }
                    default -> {
                      otherFailures.incrementAndGet();
                      KvraftCluster.sleep(50);
                    }
                  }
                }
              },
              "big-writer-" + id);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join(PHASE.toMillis() + 30_000);
    }
    overloadedTotal.addAndGet(overloaded.get());
    System.out.printf(
        "[bigvalues] %d writers: acknowledged=%d, 503 overloaded=%d, other failures=%d%n",
        writers, acked.get(), overloaded.get(), otherFailures.get());

    for (String id : cluster.ids()) {
      assertThat(cluster.isRunning(id))
          .as(
              "%s is still running (no OutOfMemoryError exit); log tail:%n%s",
              id, cluster.logTail(id, 30))
          .isTrue();
      assertThat(cluster.log(id)).as("%s log", id).doesNotContain("OutOfMemoryError");
    }
    assertThat(acked.get()).as("writes acknowledged").isPositive();
    if (writers == 32) {
      assertThat(overloadedTotal.get())
          .as("requests refused with 503 Overloaded so far")
          .isPositive();
    }
    String leader = cluster.awaitLeader(Duration.ofSeconds(30));
    List<String> anomalies = new ArrayList<>();
    writesByKey.forEach((key, writes) -> check(leader, key, writes, anomalies));
    assertThat(anomalies).as("acknowledged writes lost or refused writes applied").isEmpty();
    // The data set stays that of one phase: every 1 MiB value is a humongous object on these 256
    // MiB heaps.
    writesByKey.keySet().forEach(key -> delete(key));
  }

  private void delete(String key) {
    for (int attempt = 0; attempt < 20; attempt++) {
      String leader = cluster.awaitLeader(Duration.ofSeconds(30));
      Request r = new Request.Builder().url(cluster.url(leader) + "/kv/" + key).delete().build();
      try (Response resp = http.newCall(r).execute()) {
        if (resp.code() == 204) {
          return;
        }
      } catch (IOException e) {
        // try again below
      }
      KvraftCluster.sleep(250);
    }
    throw new AssertionError("could not delete " + key);
  }

  private enum Status {
    ACKED,
    OVERLOADED,
    UNKNOWN
  }

  private record Write(String token, Status status) {}

  /**
   * A 1 MiB value that starts with {@code token;} and is padded with a pattern the reader checks.
   */
  private static byte[] value(String token) {
    byte[] v = new byte[VALUE_BYTES];
    Arrays.fill(v, (byte) 'x');
    byte[] head = (token + ";").getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, v, 0, head.length);
    return v;
  }

  /**
   * A session registered through the log (POST /sessions), as exactly-once writers must have: a
   * Client-Id the cluster never issued is refused with 410 and nothing is applied.
   */
  private String register(List<String> nodes, int writer) {
    for (int attempt = 0; attempt < 100; attempt++) {
      String node = nodes.get((writer + attempt) % nodes.size());
      Request r =
          new Request.Builder()
              .url(cluster.url(node) + "/sessions")
              .post(RequestBody.create(new byte[0], BINARY))
              .build();
      try (Response resp = http.newCall(r).execute()) {
        String id = resp.header("Client-Id");
        if (resp.code() == 201 && id != null) {
          return id;
        }
      } catch (IOException e) {
        // try the next member
      }
      KvraftCluster.sleep(100);
    }
    throw new AssertionError("writer " + writer + " could not register a session");
  }

  private Status put(String node, String key, String clientId, int seq, String token) {
    Request r =
        new Request.Builder()
            .url(cluster.url(node) + "/kv/" + key)
            .header("Client-Id", clientId)
            .header("Request-Seq", Integer.toString(seq))
            .put(RequestBody.create(value(token), BINARY))
            .build();
    try (Response resp = http.newCall(r).execute()) {
      String body = resp.body() == null ? "" : resp.body().string();
      if (resp.code() == 204) {
        return Status.ACKED;
      }
      if (resp.code() == 503 && body.contains(OVERLOADED)) {
        assertThat(resp.header("Retry-After")).as("Retry-After of a 503 Overloaded").isNotNull();
        return Status.OVERLOADED;
      }
      return Status.UNKNOWN;
    } catch (IOException e) {
      return Status.UNKNOWN;
    }
  }

  /**
   * The key's final value must be its last acknowledged write or a later one of unknown outcome.
   */
  private void check(String leader, String key, List<Write> writes, List<String> anomalies) {
    byte[] value = get(leader, key);
    int lastAcked = -1;
    for (int i = 0; i < writes.size(); i++) {
      if (writes.get(i).status() == Status.ACKED) {
        lastAcked = i;
      }
    }
    if (value == null) {
      if (lastAcked >= 0) {
        anomalies.add(
            key + ": missing, though " + writes.get(lastAcked).token() + " was acknowledged");
      }
      return;
    }
    String text = new String(value, StandardCharsets.US_ASCII);
    String token = text.substring(0, Math.max(0, text.indexOf(';')));
    if (!Arrays.equals(value, value(token))) {
      anomalies.add(
          key + ": value of " + value.length + " bytes is not the one written as " + token);
      return;
    }
    int found = -1;
    for (int i = 0; i < writes.size(); i++) {
      if (writes.get(i).token().equals(token)) {
        found = i;
      }
    }
    if (found < 0) {
      anomalies.add(key + ": holds " + token + ", which was never written");
    } else if (writes.get(found).status() == Status.OVERLOADED) {
      anomalies.add(key + ": holds " + token + ", which was refused as overloaded");
    } else if (found < lastAcked) {
      anomalies.add(
          key
              + ": holds "
              + token
              + ", older than the acknowledged "
              + writes.get(lastAcked).token());
    }
  }

  private byte[] get(String node, String key) {
    for (int attempt = 0; attempt < 20; attempt++) {
      Request r = new Request.Builder().url(cluster.url(node) + "/kv/" + key).build();
      try (Response resp = http.newCall(r).execute()) {
        if (resp.code() == 200 && resp.body() != null) {
          return resp.body().bytes();
        }
        if (resp.code() == 404) {
          return null;
        }
      } catch (IOException e) {
        // try again below
      }
      KvraftCluster.sleep(250);
      node = cluster.awaitLeader(Duration.ofSeconds(30));
    }
    throw new AssertionError("could not read " + key);
  }
}
