package io.kvraft.testing;

import io.kvraft.KvraftApplication;
import io.kvraft.TestPorts;
import io.kvraft.kv.KvStateMachine;
import io.kvraft.kv.StateHashes;
import io.kvraft.node.NodeStatus;
import io.kvraft.node.RaftNode;
import io.kvraft.raft.Role;
import io.kvraft.tls.TestCertificates;
import io.kvraft.tls.TrustStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Real kvraft nodes in this JVM: each one a Spring context with the shipped wiring (Tomcat, HTTP
 * transport, file storage) on its own loopback port and data directory, the members named n1, n2,
 * ... For tests that drive a cluster over HTTP and may also look at a node's beans; the fault tests
 * on real processes use {@code KvraftCluster}.
 *
 * <p>A test class shares one cluster as an extension, started before its first test and stopped
 * after its last:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final SpringCluster cluster =
 *     SpringCluster.builder().nodes(3).property("raft.cluster-token", "t").awaitLeader(Duration.ofSeconds(30)).build();
 *
 * try (Response r = cluster.call("PUT", cluster.follower(), "/kv/a", "1")) { ... }
 * }</pre>
 *
 * or starts one itself with {@code builder()...start()} and closes it. Without {@link
 * Builder#dataDir} the data lives in a temporary directory that {@link #close} deletes. A stopped
 * node keeps its port and data directory and can be started again.
 */
public final class SpringCluster implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
  /** How long {@link #call} keeps re-sending a request that is answered 503. */
  private static final Duration RETRY_503_FOR = Duration.ofSeconds(30);

  private static final MediaType BINARY = MediaType.get("application/octet-stream");

  private final List<String> ids = new ArrayList<>();
  private final Map<String, Integer> ports = new ConcurrentHashMap<>();
  private final Map<String, ConfigurableApplicationContext> nodes = new ConcurrentHashMap<>();
  private final boolean tls;
  private final String scheme;
  private final List<String> properties;
  private final Function<String, ApplicationContextInitializer<ConfigurableApplicationContext>>
      initializer;
  private final Duration leaderWithin;
  private final Duration readyWithin;
  private final Duration appliedWithin;
  private final boolean divergesOnPurpose;
  private final Class<?>[] sources;
  private Path dataRoot;
  private boolean ownDataRoot;
  private String peers;
  private TestCertificates certs;
  private List<String> args;
  private OkHttpClient http;

  private SpringCluster(Builder b) {
    for (int i = 1; i <= b.size; i++) {
      ids.add("n" + i);
    }
    this.dataRoot = b.dataRoot;
    this.tls = b.tls;
    this.scheme = tls ? "https" : "http";
    this.properties = List.copyOf(b.properties);
    this.initializer = b.initializer;
    this.leaderWithin = b.leaderWithin;
    this.readyWithin = b.readyWithin;
    this.appliedWithin = b.appliedWithin;
    this.divergesOnPurpose = b.divergesOnPurpose;
    this.sources = b.sources.toArray(Class<?>[]::new);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** What the cluster is made of, and what to wait for once every node is started. */
  public static final class Builder {
    private int size = 3;
    private Path dataRoot;
    private boolean tls;
    private final List<String> properties = new ArrayList<>();
    private Function<String, ApplicationContextInitializer<ConfigurableApplicationContext>>
        initializer;
    private Duration leaderWithin;
    private Duration readyWithin;
    private Duration appliedWithin;
    private boolean divergesOnPurpose;
    private final List<Class<?>> sources = new ArrayList<>(List.of(KvraftApplication.class));

    private Builder() {}

    /**
     * The tests make members diverge on purpose, so the check that all members hold one state at
     * the end is skipped.
     */
    public Builder divergesOnPurpose() {
      this.divergesOnPurpose = true;
      return this;
    }

    public Builder nodes(int size) {
      this.size = size;
      return this;
    }

    /** Node {@code id} keeps its data in {@code root/id}. */
    public Builder dataDir(Path root) {
      this.dataRoot = root;
      return this;
    }

    /** A property every node starts with, as {@code --key=value} on its command line. */
    public Builder property(String key, Object value) {
      properties.add("--" + key + "=" + value);
      return this;
    }

    /**
     * HTTPS for clients and peers (server.ssl.*, raft.tls.*) with a self-signed certificate made at
     * start in the data directory ({@link #certificates}); {@link #client} trusts it.
     */
    public Builder tls() {
      this.tls = true;
      return this;
    }

    /**
     * More source classes for every node's context, besides the application: a test's own
     * {@code @Bean}s in a class that is not a scanned {@code @Configuration}.
     */
    public Builder sources(Class<?>... more) {
      sources.addAll(List.of(more));
      return this;
    }

    /** Called for each node's context, at every start of that node, before its beans are made. */
    public Builder initializer(
        Function<String, ApplicationContextInitializer<ConfigurableApplicationContext>> perNode) {
      this.initializer = perNode;
      return this;
    }

    /** Once started, wait (and fail after the timeout) until a node leads. */
    public Builder awaitLeader(Duration timeout) {
      this.leaderWithin = timeout;
      return this;
    }

    /**
     * Once started, wait (and fail after the timeout) until every node is ready ({@link
     * #awaitReady}).
     */
    public Builder awaitReady(Duration timeout) {
      this.readyWithin = timeout;
      return this;
    }

    /**
     * Once started, wait (and fail after the timeout) until every node has applied an entry ({@link
     * #awaitApplied}): the cluster's first leader committed its term's first entry.
     */
    public Builder awaitApplied(Duration timeout) {
      this.appliedWithin = timeout;
      return this;
    }

    /**
     * The cluster, not started: as a {@code @RegisterExtension} it starts before the class's tests.
     */
    public SpringCluster build() {
      return new SpringCluster(this);
    }

    /** The cluster, started (and waited for); close it. */
    public SpringCluster start() {
      SpringCluster cluster = build();
      cluster.startAll();
      return cluster;
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    startAll();
  }

  /** Closes the cluster, after checking that the tests left every member holding one state. */
  @Override
  public void afterAll(ExtensionContext context) {
    try {
      if (!divergesOnPurpose) {
        assertReplicasAgree();
      }
    } finally {
      close();
    }
  }

  /**
   * Replica comparison (issue 14, item 2): every running member holds the same state hash at the
   * highest index all of them applied. A member that installed a snapshot past it is left out.
   */
  public void assertReplicasAgree() {
    Map<String, KvStateMachine> running = new TreeMap<>();
    nodes.forEach(
        (id, ctx) -> {
          if (ctx.isActive()) {
            running.put(id, ctx.getBean(KvStateMachine.class));
          }
        });
    long common =
        running.values().stream()
            .flatMap(sm -> sm.hashes().latest().stream())
            .mapToLong(StateHashes.At::index)
            .min()
            .orElse(0);
    Map<String, Long> hashes = new TreeMap<>();
    running.forEach((id, sm) -> sm.hashes().at(common).ifPresent(h -> hashes.put(id, h)));
    if (new HashSet<>(hashes.values()).size() > 1) {
      throw new AssertionError(
          "members diverged: state hashes at applied index " + common + ": " + hashes);
    }
  }

  /** Starts every node, then waits as the builder says; on failure stops what it started. */
  private void startAll() {
    try {
      // Chosen only now: a port picked long before its server binds it may be taken meanwhile.
      ids.forEach(id -> ports.put(id, TestPorts.reserve()));
      peers = ids.stream().map(id -> id + "=" + url(id)).collect(Collectors.joining(","));
      if (dataRoot == null) {
        dataRoot = Files.createTempDirectory("kvraft-cluster-");
        ownDataRoot = true;
      }
      List<String> common = new ArrayList<>();
      OkHttpClient.Builder client = new OkHttpClient.Builder();
      if (tls) {
        certs = TestCertificates.create(dataRoot);
        common.addAll(
            List.of(
                "--server.ssl.enabled=true",
                "--server.ssl.key-store=" + certs.keyStore(),
                "--server.ssl.key-store-password=" + certs.password(),
                "--server.ssl.key-store-type=PKCS12",
                "--raft.tls.trust-store=" + certs.trustStore(),
                "--raft.tls.trust-store-password=" + certs.password()));
        client = TrustStore.apply(certs.trust(), client);
      }
      common.add("--spring.main.banner-mode=off");
      common.add("--logging.level.root=WARN");
      common.addAll(properties);
      args = List.copyOf(common);
      http = client.callTimeout(Duration.ofSeconds(20)).build();
      ids().forEach(this::start);
      if (leaderWithin != null) {
        awaitLeader(leaderWithin);
      }
      if (readyWithin != null) {
        awaitReady(readyWithin);
      }
      if (appliedWithin != null) {
        awaitApplied(appliedWithin);
      }
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IllegalStateException(e);
    } catch (RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  // ------------------------------------------------------------------ nodes

  public List<String> ids() {
    return List.copyOf(ids);
  }

  /** Where node {@code id} keeps its data: {@code dataRoot()/id}. */
  public Path dataRoot() {
    return dataRoot;
  }

  /** The certificates of a {@link Builder#tls} cluster (made at start), else null. */
  public TestCertificates certificates() {
    return certs;
  }

  /** Starts node {@code id} (again) on its port and data directory. */
  public void start(String id) {
    if (isRunning(id)) {
      throw new IllegalStateException(id + " is running");
    }
    List<String> run = new ArrayList<>();
    run.add("--server.port=" + port(id));
    run.add("--raft.node-id=" + id);
    run.add("--raft.peers=" + peers);
    run.add("--raft.data-dir=" + dataRoot.resolve(id));
    run.addAll(args);
    SpringApplicationBuilder b = new SpringApplicationBuilder(sources);
    if (initializer != null) {
      b.initializers(initializer.apply(id));
    }
    nodes.put(id, b.run(run.toArray(String[]::new)));
  }

  /** Stops node {@code id} cleanly; its data directory stays. */
  public void stop(String id) {
    ConfigurableApplicationContext ctx = nodes.get(id);
    if (ctx != null) {
      ctx.close();
    }
  }

  public void restart(String id) {
    stop(id);
    start(id);
  }

  public boolean isRunning(String id) {
    ConfigurableApplicationContext ctx = nodes.get(id);
    return ctx != null && ctx.isActive();
  }

  /** The node's context (the last one started, which may have been stopped since). */
  public ConfigurableApplicationContext node(String id) {
    ConfigurableApplicationContext ctx = nodes.get(id);
    if (ctx == null) {
      throw new IllegalStateException(id + " was never started");
    }
    return ctx;
  }

  public RaftNode raft(String id) {
    return node(id).getBean(RaftNode.class);
  }

  public NodeStatus status(String id) {
    return raft(id).status();
  }

  // ------------------------------------------------------------------ leaders

  /** The first running node (in id order) that leads and is healthy, or null. */
  public String leader() {
    for (String id : ids) {
      if (isRunning(id)) {
        NodeStatus s = status(id);
        if (s.role() == Role.LEADER && s.healthy()) {
          return id;
        }
      }
    }
    return null;
  }

  /**
   * Waits for a running, healthy leader other than {@code excluded}; fails if none appears within
   * the timeout.
   */
  public String awaitLeader(Duration timeout, String... excluded) {
    List<String> skip = Arrays.asList(excluded);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (String id : ids) {
        if (!skip.contains(id) && isRunning(id)) {
          NodeStatus s = status(id);
          if (s.role() == Role.LEADER && s.healthy()) {
            return id;
          }
        }
      }
      pause(50);
    }
    throw new AssertionError(
        "no leader within " + timeout + (skip.isEmpty() ? "" : " (excluding " + skip + ")"));
  }

  /** The first running node that is not {@link #leader}. */
  public String follower() {
    String l = leader();
    return ids.stream().filter(id -> !id.equals(l) && isRunning(id)).findFirst().orElseThrow();
  }

  /**
   * Waits until every running node answers 200 on its readiness probe (knows a leader and has
   * caught up).
   */
  public void awaitReady(Duration timeout) {
    awaitEvery(this::ready, "ready", timeout, 100);
  }

  /** Waits until every running node has applied at least one entry. */
  public void awaitApplied(Duration timeout) {
    awaitEvery(id -> status(id).lastApplied() >= 1, "applied an entry", timeout, 50);
  }

  private void awaitEvery(Predicate<String> done, String what, Duration timeout, long pollMillis) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ids.stream().filter(this::isRunning).allMatch(done)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not every node " + what + " within " + timeout);
      }
      pause(pollMillis);
    }
  }

  private boolean ready(String id) {
    try (Response r = callOnce("GET", id, "/actuator/health/readiness", null)) {
      return r.code() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  // ------------------------------------------------------------------ HTTP

  public int port(String id) {
    return ports.get(id);
  }

  /** {@code http(s)://127.0.0.1:port} of node {@code id}. */
  public String url(String id) {
    return scheme + "://127.0.0.1:" + port(id);
  }

  public String url(String id, String path) {
    return url(id) + path;
  }

  /** Every node's {@link #url(String)}, by id, as {@code KvClient.http} takes them. */
  public Map<String, String> urls() {
    Map<String, String> out = new LinkedHashMap<>();
    ids.forEach(id -> out.put(id, url(id)));
    return out;
  }

  /**
   * A client for the nodes (20 s per call), trusting the cluster's certificates when it runs TLS.
   */
  public OkHttpClient client() {
    return http;
  }

  /**
   * Sends a request to node {@code id}, re-sending it while the answer is 503 (the contract's
   * "retry": on a loaded machine an election may happen at any time), for up to 30 s. {@code
   * headers} are name, value pairs; a non-null body goes as application/octet-stream, a null one as
   * no body (empty for POST, PUT and PATCH). Writes that must not apply twice should carry
   * Client-Id/Request-Seq.
   */
  public Response call(String method, String id, String path, String body, String... headers)
      throws IOException {
    long deadline = System.nanoTime() + RETRY_503_FOR.toNanos();
    while (true) {
      Response r = callOnce(method, id, path, body, headers);
      if (r.code() != 503 || System.nanoTime() > deadline) {
        return r;
      }
      r.close();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return callOnce(method, id, path, body, headers);
      }
    }
  }

  /** The request of {@link #call}, sent once whatever the answer. */
  public Response callOnce(String method, String id, String path, String body, String... headers)
      throws IOException {
    Request.Builder b = new Request.Builder().url(url(id, path));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    RequestBody rb;
    if (body != null) {
      rb = RequestBody.create(body.getBytes(StandardCharsets.UTF_8), BINARY);
    } else if (List.of("POST", "PUT", "PATCH").contains(method)) {
      rb = RequestBody.create(new byte[0], null);
    } else {
      rb = null;
    }
    b.method(method, rb);
    return http.newCall(b.build()).execute();
  }

  /** Stops every node; deletes the data directory if the cluster made it. */
  @Override
  public void close() {
    nodes.values().forEach(ConfigurableApplicationContext::close);
    if (http != null) {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
    if (ownDataRoot) {
      try (Stream<Path> walk = Files.walk(dataRoot)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // a temporary directory left behind is harmless
      }
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
