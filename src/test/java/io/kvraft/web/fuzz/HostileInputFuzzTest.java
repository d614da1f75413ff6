package io.kvraft.web.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.linearizability.LinearizabilityChecker;
import io.kvraft.linearizability.Result;
import io.kvraft.testing.SpringCluster;
import io.kvraft.web.fuzz.FuzzCase.Family;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Seeded hostile requests against a live three-node cluster (every endpoint family: keys, listing,
 * the four Raft paths from strangers with and without the cluster token, actuator, unknown paths)
 * while well-behaved clients run a register workload beside them. Every answer must be what {@link
 * Expect} allows for its request: the exact status the contract fixes for it (see {@link
 * KvContract} for /kv), never a 5xx except a 503 with Retry-After for a request that waits for Raft
 * and only when the cluster shows why ({@link UnavailabilityWitness}), every error a problem+json
 * with no stack trace, class name or file path; afterwards every node is UP, a leader exists, no
 * stranger's term was adopted, and the workload's history is linearizable.
 *
 * <p>{@code -Dfuzz.cases=N} sets the number of cases (default keeps the test around a minute),
 * {@code -Dfuzz.seed=S} replays a run; a failure names the seed and the case index.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputFuzzTest {
  private static final String TOKEN = "fuzz-cluster-s3cret";
  private static final int DEFAULT_CASES = 2500;
  private static final List<String> LEAKS =
      List.of(
          "java.",
          "javax.",
          "jakarta.",
          "at io.kvraft",
          "Exception",
          "org.springframework",
          "org.apache",
          "Tomcat",
          ".java:",
          "\tat ",
          "/home/",
          "/tmp/",
          "/work/");

  /** The 503s seen and their verdicts, printed after the run. */
  private final java.util.Set<String> unavailable =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  @RegisterExtension
  static final SpringCluster cluster =
      SpringCluster.builder()
          .nodes(3)
          .property("raft.cluster-token", TOKEN)
          // The fuzzer is refused thousands of times on purpose; the rate-limited lines would only
          // be noise.
          .property("logging.level.io.kvraft.web.RejectionLog", "ERROR")
          .awaitLeader(Duration.ofSeconds(30))
          .build();

  private final UnavailabilityWitness witness = new UnavailabilityWitness(cluster);

  @Test
  void hostileRequestsAreRefusedCleanlyWhileALinearizableWorkloadRunsBeside() throws Exception {
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    int cases = Integer.getInteger("fuzz.cases", DEFAULT_CASES);
    String replay = "replay with -Dfuzz.seed=" + seed + " -Dfuzz.cases=" + cases;
    System.out.println(
        "HostileInputFuzzTest: seed " + seed + ", " + cases + " cases (" + replay + ")");

    RegisterWorkload workload =
        new RegisterWorkload(
            cluster.urls(), "wl-" + Long.toHexString(seed) + "-" + System.nanoTime() + "/");
    workload.start(3, seed);

    RequestGenerator generator = new RequestGenerator(seed, cluster.ids(), TOKEN);
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    Map<Family, Map<String, AtomicLong>> outcomes = new EnumMap<>(Family.class);
    for (Family f : Family.values()) {
      outcomes.put(f, new TreeMap<>());
    }
    AtomicLong maxStrangerTermSent = new AtomicLong();
    long start = System.nanoTime();
    ExecutorService fuzzers = Executors.newFixedThreadPool(2);
    for (long i = 0; i < cases; i++) {
      long index = i;
      fuzzers.execute(
          () -> {
            try {
              FuzzCase c = generator.generate(index);
              if (c.strangerTerm() > 0) {
                maxStrangerTermSent.accumulateAndGet(c.strangerTerm(), Math::max);
              }
              String outcome = run(c, failures);
              synchronized (outcomes) {
                outcomes
                    .get(c.family())
                    .computeIfAbsent(outcome, k -> new AtomicLong())
                    .incrementAndGet();
              }
            } catch (RuntimeException e) {
              // A pool thread would only print this, and the case would silently count for nothing.
              failures.add("case " + index + " failed in the test harness: " + e);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
    fuzzers.shutdown();
    assertThat(fuzzers.awaitTermination(10, TimeUnit.MINUTES)).isTrue();
    long fuzzMillis = (System.nanoTime() - start) / 1_000_000;
    workload.stop();

    StringBuilder summary =
        new StringBuilder(
            "HostileInputFuzzTest summary: seed "
                + seed
                + ", "
                + cases
                + " cases in "
                + fuzzMillis
                + " ms;");
    outcomes.forEach(
        (family, byStatus) -> {
          long n = byStatus.values().stream().mapToLong(AtomicLong::get).sum();
          summary.append(' ').append(family).append('=').append(n).append(' ').append(byStatus);
        });
    summary
        .append("; workload ops ")
        .append(workload.completed)
        .append(" (+")
        .append(workload.unknown)
        .append(" unknown)");
    System.out.println(summary);
    unavailable.forEach(u -> System.out.println("HostileInputFuzzTest 503: " + u));

    assertThat(failures).as("fuzz answers that broke the contract (%s)", replay).isEmpty();
    assertThat(workload.anomalies).as("workload anomalies (%s)", replay).isEmpty();
    assertThat(workload.completed.get()).as("the workload made progress").isPositive();

    for (String id : cluster.ids()) {
      RawHttp.Response health =
          RawHttp.send(
              cluster.port(id),
              "GET",
              "/actuator/health".getBytes(StandardCharsets.US_ASCII),
              List.of(),
              null,
              -1,
              10_000);
      assertThat(health.status()).as("health of %s", id).isEqualTo(200);
      assertThat(health.bodyText()).as("health of %s", id).contains("\"status\":\"UP\"");
      long term = cluster.status(id).term();
      assertThat(term)
          .as(
              "term of %s after strangers claimed terms up to %d (%s)",
              id, maxStrangerTermSent.get(), replay)
          .isLessThan(RequestGenerator.STRANGER_TERM_FLOOR);
    }
    cluster.awaitLeader(Duration.ofSeconds(10));

    Result verdict =
        LinearizabilityChecker.check(workload.recorder().history(), Duration.ofSeconds(60));
    assertThat(verdict.isOk())
        .as("workload history linearizable: %s (%s)", verdict, replay)
        .isTrue();
  }

  /** Sends one case and checks its answer; returns the outcome's label for the summary. */
  private String run(FuzzCase c, List<String> failures) throws InterruptedException {
    boolean waitsForRaft = c.expect().unavailable() == Expect.Unavailable.RAFT;
    UnavailabilityWitness.Seen before = waitsForRaft ? witness.now() : null;
    RawHttp.Response resp;
    try {
      resp =
          RawHttp.send(
              cluster.port(c.node()),
              c.method(),
              c.target(),
              c.headers(),
              c.body(),
              c.declaredLength(),
              20_000);
    } catch (IOException | RuntimeException e) {
      failures.add(c.describe() + ": no answer: " + e);
      return "no answer";
    }
    int status = resp.status();
    List<String> problems = new ArrayList<>();
    String violation = c.expect().violation(status);
    if (violation != null) {
      problems.add(violation);
    }
    String type = resp.header("Content-Type");
    boolean hasBody = !c.method().equals("HEAD");
    String request = new String(c.target(), StandardCharsets.ISO_8859_1);
    // A probe's 503 is the health document itself, for Kubernetes to read, not a refused request.
    boolean probeAnswer = status == 503 && request.startsWith("/actuator/health");
    if (status >= 400
        && hasBody
        && !probeAnswer
        && (type == null || !type.startsWith("application/problem+json"))) {
      problems.add("error with Content-Type " + type);
    }
    if (status == 503 && !probeAnswer) {
      if (resp.header("Retry-After") == null) {
        problems.add("503 without Retry-After");
      }
      String unexplained = waitsForRaft ? witness.unexplained(before, resp.bodyText()) : null;
      if (unexplained != null) {
        problems.add(unexplained);
      }
      unavailable.add(
          c.family()
              + " "
              + abbreviate(resp.bodyText()).replaceAll("\\d+", "N")
              + (!waitsForRaft ? "" : unexplained == null ? " [explained]" : " [UNEXPLAINED]"));
    }
    String body = resp.bodyText();
    for (String leak : LEAKS) {
      if (body.contains(leak) && !request.contains(leak) && !isMetricsOrInfo(request)) {
        problems.add("body reveals '" + leak + "'");
      }
    }
    // No answer names where a member keeps its data, health included (issue 14).
    String dataRoot = cluster.dataRoot().toString();
    String scanned = body;
    if (scanned.contains(dataRoot)) {
      problems.add("body reveals the data directory");
    }
    if (!problems.isEmpty()) {
      failures.add(
          c.describe()
              + ": answered "
              + status
              + " "
              + type
              + " "
              + abbreviate(body)
              + ": "
              + problems);
    }
    return String.valueOf(status);
  }

  /**
   * Prometheus and info pages name JVM internals by design (jvm_* meters), and health shows the
   * disk-space check's path; they are operators' documents, not error bodies.
   */
  private static boolean isMetricsOrInfo(String request) {
    return request.startsWith("/actuator/prometheus")
        || request.startsWith("/actuator/info")
        || request.startsWith("/actuator/health");
  }

  private static String abbreviate(String s) {
    String flat = s.replaceAll("\\s+", " ");
    return flat.length() > 300 ? flat.substring(0, 300) + "..." : flat;
  }
}
