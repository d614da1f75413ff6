package io.kvraft.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * A cluster of real {@code java -jar target/kvraft.jar} processes on loopback. Every node has its
 * own data directory and its own {@code raft.peers} list, in which each other node's URL is the
 * port of a {@link TcpProxy} this harness owns (one per directed link), so links can be cut,
 * delayed and healed; clients talk to the nodes directly. Nodes can be killed with SIGKILL, paused
 * with SIGSTOP, resumed, restarted on the same directory, or wiped.
 */
final class KvraftCluster implements AutoCloseable {
  /** What a node says about itself in /actuator/health (the raft component). */
  record Health(
      String status, String role, long term, String leader, long commitIndex, long lastApplied) {
    boolean isLeader() {
      return "LEADER".equals(role);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final List<String> ids = new ArrayList<>();
  private final Map<String, Integer> ports = new LinkedHashMap<>();
  private final Map<String, TcpProxy> links = new LinkedHashMap<>();
  private final Map<String, Process> processes = new ConcurrentHashMap<>();
  private final Set<String> paused = ConcurrentHashMap.newKeySet();
  private final Path root;
  private final List<String> extraArgs;

  /** JVM options of every node; a collector named here replaces the default serial one. */
  private List<String> jvmOptions = List.of();

  /** What runs after the JVM options: {@code -jar kvraft.jar} unless {@link #withMainClass}. */
  private List<String> launch;

  private final Path jar;

  /** A main class to run from the test classpath instead of the jar (null: the jar). */
  private final OkHttpClient http =
      new OkHttpClient.Builder()
          .connectTimeout(Duration.ofMillis(500))
          .callTimeout(Duration.ofMillis(1000))
          .retryOnConnectionFailure(false)
          .build();

  KvraftCluster(String name, int size, String... extraArgs) throws IOException {
    this.name = name;
    this.extraArgs = List.of(extraArgs);
    this.jar = Path.of(System.getProperty("kvraft.jar", "target/kvraft.jar")).toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "no "
              + jar
              + ": these tests run real processes; use 'mvn verify', which packages the jar first");
    }
    this.launch = List.of("-jar", jar.toString());
    Path base = Path.of("target", "it-clusters");
    Files.createDirectories(base);
    this.root = Files.createTempDirectory(base.toAbsolutePath(), name + "-");
    for (int i = 1; i <= size; i++) {
      String id = "n" + i;
      ids.add(id);
      ports.put(id, io.kvraft.TestPorts.reserve());
    }
    for (String from : ids) {
      for (String to : ids) {
        if (!from.equals(to)) {
          links.put(from + ">" + to, new TcpProxy(from + ">" + to, ports.get(to)));
        }
      }
    }
  }

  /**
   * Starts nodes from now on with these JVM options too (e.g. {@code -XX:+ExitOnOutOfMemoryError}).
   */
  KvraftCluster withJvmOptions(String... options) {
    this.jvmOptions = List.of(options);
    return this;
  }

  /**
   * Starts nodes from now on with {@code mainClass} from the test classpath (the application's
   * classes, the tests' and every dependency) instead of the packaged jar: how a test runs a member
   * with a test-only variant of some bean, keeping such variants out of the product.
   */
  KvraftCluster withMainClass(String mainClass, String... args) {
    String classpath = System.getProperty("surefire.test.class.path");
    if (classpath == null || classpath.isBlank()) {
      classpath = System.getProperty("java.class.path");
    }
    List<String> l = new ArrayList<>(List.of("-cp", classpath, mainClass));
    l.addAll(List.of(args));
    this.launch = List.copyOf(l);
    return this;
  }

  /** As {@link #withMainClass(String, String...)}, for a main class without arguments. */
  KvraftCluster withMainClass(Class<?> main) {
    return withMainClass(main.getName());
  }

  List<String> ids() {
    return List.copyOf(ids);
  }

  String url(String id) {
    return "http://127.0.0.1:" + ports.get(id);
  }

  Map<String, String> urls() {
    Map<String, String> out = new LinkedHashMap<>();
    ids.forEach(id -> out.put(id, url(id)));
    return out;
  }

  Path dataDir(String id) {
    return root.resolve(id);
  }

  Path logFile(String id) {
    return root.resolve(id + ".log");
  }

  /** The node's segment files, oldest first. */
  List<Path> segments(String id) throws IOException {
    try (Stream<Path> files = Files.list(dataDir(id).resolve("raft"))) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".seg"))
          .sorted(Comparator.comparing(p -> p.getFileName().toString()))
          .toList();
    }
  }

  // ------------------------------------------------------------------ processes

  void startAll() {
    ids.forEach(this::spawn);
    ids.forEach(this::awaitServing);
  }

  /** Starts the node on its data directory and waits until it answers HTTP. */
  void start(String id) {
    spawn(id);
    awaitServing(id);
  }

  Process spawn(String id) {
    if (isRunning(id)) {
      throw new IllegalStateException(id + " is already running");
    }
    String peers =
        ids.stream()
            .map(
                m ->
                    m
                        + "="
                        + (m.equals(id)
                            ? url(id)
                            : "http://127.0.0.1:" + links.get(id + ">" + m).port()))
            .collect(Collectors.joining(","));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // As the image runs members: an OutOfMemoryError ends the process (and the scenario fails on
    // it) instead of leaving a half-working member that a later restore would quietly restart.
    cmd.addAll(
        List.of(
            "-Xmx256m",
            "-Xss512k",
            "-XX:TieredStopAtLevel=1",
            "-Xshare:auto",
            "-XX:+ExitOnOutOfMemoryError"));
    boolean ownCollector = jvmOptions.stream().anyMatch(o -> o.matches("-XX:\\+Use\\w+GC"));
    if (!ownCollector) {
      cmd.add("-XX:+UseSerialGC");
    }
    cmd.addAll(jvmOptions);
    cmd.addAll(launch);
    cmd.addAll(
        List.of(
            "--server.port=" + ports.get(id),
            "--raft.node-id=" + id,
            "--raft.peers=" + peers,
            "--raft.data-dir=" + dataDir(id),
            "--raft.tick-interval=20ms",
            "--raft.election-ticks=20",
            "--raft.heartbeat-ticks=2",
            "--kv.request-timeout=1s",
            // Members compare their states often, so a divergence shows in the scenario that caused
            // it (as an ERROR in the diverged member's log, which fails the scenario).
            "--kv.hash-check.interval=2s",
            "--spring.main.banner-mode=off",
            "--logging.level.root=WARN",
            "--logging.level.io.kvraft=INFO",
            "--server.tomcat.threads.max=64"));
    cmd.addAll(extraArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(id).toFile()));
    try {
      Files.writeString(
          logFile(id),
          "\n===== starting " + id + " at " + java.time.Instant.now() + "\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      Process p = pb.start();
      processes.put(id, p);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Generous on purpose: five JVMs starting at once on a loaded 2-core machine took over 90 s
   * (Spring alone ~60 s), and a member that is merely slow must not fail a fault scenario; one that
   * exits fails at once.
   */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(240);

  void awaitServing(String id) {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Process p = processes.get(id);
      if (p == null || !p.isAlive()) {
        throw new IllegalStateException(id + " exited while starting:\n" + logTail(id, 40));
      }
      if (health(id) != null) {
        return;
      }
      sleep(100);
    }
    throw new IllegalStateException(
        id + " did not answer within " + START_TIMEOUT.toSeconds() + " s:\n" + logTail(id, 40));
  }

  boolean isRunning(String id) {
    Process p = processes.get(id);
    return p != null && p.isAlive();
  }

  /** kill -9: nothing is flushed, nothing shuts down cleanly. */
  void kill(String id) {
    Process p = processes.remove(id);
    paused.remove(id);
    if (p == null) {
      return;
    }
    p.destroyForcibly();
    try {
      p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * kill -9 of several nodes at once: every one is signalled before any is waited for, so they die
   * within microseconds of each other, as in a power cut of the whole cluster.
   */
  void killAll(java.util.Collection<String> victims) {
    List<Process> dying = new ArrayList<>();
    for (String id : victims) {
      Process p = processes.remove(id);
      paused.remove(id);
      if (p != null) {
        p.destroyForcibly();
        dying.add(p);
      }
    }
    for (Process p : dying) {
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** SIGSTOP: the process freezes as in a long GC pause; its sockets still accept connections. */
  void pause(String id) {
    signal(id, "STOP");
    paused.add(id);
  }

  void resume(String id) {
    signal(id, "CONT");
    paused.remove(id);
  }

  private void signal(String id, String sig) {
    Process p = processes.get(id);
    if (p == null) {
      throw new IllegalStateException(id + " is not running");
    }
    try {
      Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start();
      if (k.waitFor() != 0) {
        throw new IllegalStateException("kill -" + sig + " " + p.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits for a node started on a bad data directory to exit by itself; returns its exit code. */
  int awaitExit(String id, Duration timeout) throws InterruptedException {
    Process p = processes.get(id);
    if (p == null) {
      throw new IllegalStateException(id + " was not started");
    }
    if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
      throw new AssertionError(id + " is still running after " + timeout + ":\n" + logTail(id, 30));
    }
    processes.remove(id);
    return p.exitValue();
  }

  /** Deletes the node's data directory (the node must be down). */
  void wipe(String id) throws IOException {
    if (isRunning(id)) {
      throw new IllegalStateException(id + " is running");
    }
    deleteTree(dataDir(id));
  }

  /**
   * Back to a whole cluster after a scenario: links healed, paused nodes resumed, stopped nodes
   * started.
   */
  void restoreAll() {
    heal();
    for (String id : ids) {
      if (paused.contains(id)) {
        resume(id);
      }
    }
    List<String> started = new ArrayList<>();
    for (String id : ids) {
      if (isRunning(id) && health(id) == null && health(id) == null) {
        kill(id); // alive but not answering (e.g. out of memory): restart it
      }
      if (!isRunning(id)) {
        spawn(id);
        started.add(id);
      }
    }
    started.forEach(this::awaitServing);
  }

  // ------------------------------------------------------------------ what went wrong

  /** Where each member's log stood when the current scenario began. */
  private final Map<String, Long> logMarks = new HashMap<>();

  private static final Pattern THROWABLE_LINE =
      Pattern.compile("^\\s*(Caused by: )?[\\w.$]+(Exception|Error)(:|$)|Exception in thread");

  /** Remembers where every member's log ends now: {@link #unexpectedTrouble} reads from here. */
  void markLogs() {
    for (String id : ids) {
      try {
        logMarks.put(id, Files.exists(logFile(id)) ? Files.size(logFile(id)) : 0L);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * What went wrong on members since {@link #markLogs} that the scenario did not cause on purpose:
   * a member that exited without being killed or awaited, one alive (not paused) that does not
   * answer, and every log line at ERROR, naming an exception or an OutOfMemoryError, unless it
   * matches one of {@code expected}'s patterns for that member. An OutOfMemoryError is never
   * expected.
   */
  List<String> unexpectedTrouble(Map<String, List<Pattern>> expected) {
    List<String> trouble = new ArrayList<>();
    for (String id : ids) {
      Process p = processes.get(id);
      if (p != null && !p.isAlive()) {
        trouble.add(id + " exited by itself, code " + p.exitValue() + ":\n" + logTail(id, 30));
      } else if (p != null && !paused.contains(id) && !answersWithin(id, UNRESPONSIVE_AFTER)) {
        // restoreAll would kill and restart it before the next scenario, hiding a hung member.
        trouble.add(id + " is alive but has not answered health for " + UNRESPONSIVE_AFTER);
      }
      List<Pattern> allowed = expected.getOrDefault(id, List.of());
      String since = logSince(id, logMarks.getOrDefault(id, 0L));
      troubleIn(since, allowed).forEach(line -> trouble.add(id + ": " + line));
    }
    return trouble;
  }

  /** Long enough for a busy member on a loaded machine; a hung one never answers. */
  private static final Duration UNRESPONSIVE_AFTER = Duration.ofSeconds(30);

  private boolean answersWithin(String id, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    do {
      if (health(id) != null) {
        return true;
      }
      sleep(200);
    } while (System.nanoTime() < deadline);
    return false;
  }

  private String logSince(String id, long mark) {
    try {
      byte[] all = Files.exists(logFile(id)) ? Files.readAllBytes(logFile(id)) : new byte[0];
      int from = (int) Math.min(mark, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The lines of a member's log that say something went wrong (ERROR, an exception, an
   * OutOfMemoryError) and match none of {@code allowed}; an OutOfMemoryError is never allowed.
   */
  static List<String> troubleIn(String log, List<Pattern> allowed) {
    List<String> out = new ArrayList<>();
    for (String line : log.split("\n")) {
      boolean oom = line.contains("OutOfMemoryError");
      boolean troubled = oom || line.contains(" ERROR ") || THROWABLE_LINE.matcher(line).find();
      if (troubled && (oom || allowed.stream().noneMatch(a -> a.matcher(line).find()))) {
        out.add(line);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ network

  TcpProxy link(String from, String to) {
    return links.get(from + ">" + to);
  }

  /** Cuts every link to and from the node. */
  void isolate(String id) {
    for (String other : ids) {
      if (!other.equals(id)) {
        link(id, other).cut();
        link(other, id).cut();
      }
    }
  }

  /** Cuts every link between the given side and the rest, both ways. */
  void partition(Set<String> side) {
    for (String a : ids) {
      for (String b : ids) {
        if (!a.equals(b) && side.contains(a) != side.contains(b)) {
          link(a, b).cut();
        }
      }
    }
  }

  void cutOneWay(String from, String to) {
    link(from, to).cut();
  }

  void delayAll(long millis) {
    links.values().forEach(l -> l.delay(millis));
  }

  void heal() {
    links.values().forEach(TcpProxy::heal);
  }

  // ------------------------------------------------------------------ observation

  /** The node's view of Raft, or null when it does not answer within a second. */
  Health health(String id) {
    if (!isRunning(id) || paused.contains(id)) {
      return null;
    }
    Request r = new Request.Builder().url(url(id) + "/actuator/health").build();
    try (Response resp = http.newCall(r).execute()) {
      if (resp.body() == null) {
        return null;
      }
      JsonNode raft = JSON.readTree(resp.body().bytes()).path("components").path("raft");
      JsonNode d = raft.path("details");
      if (d.isMissingNode()) {
        return null;
      }
      return new Health(
          raft.path("status").asText(),
          d.path("role").asText(),
          d.path("term").asLong(),
          d.path("leader").asText(),
          d.path("commitIndex").asLong(),
          d.path("lastApplied").asLong());
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The state hash of every member that answers, at the highest index all of them applied (issue
   * 14, item 2): one distinct value unless replicas diverged. Members paused, down or cut off from
   * this test are left out, and so is one that no longer keeps that index.
   */
  Map<String, String> stateHashes() {
    Map<String, Long> latest = new TreeMap<>();
    for (String id : ids) {
      if (isRunning(id) && !paused.contains(id)) {
        JsonNode at = hashOf(id, "");
        if (at != null) {
          latest.put(id, at.path("index").asLong());
        }
      }
    }
    long common = latest.values().stream().mapToLong(Long::longValue).min().orElse(0);
    Map<String, String> hashes = new TreeMap<>();
    for (String id : latest.keySet()) {
      JsonNode at = hashOf(id, "?index=" + common);
      if (at != null) {
        hashes.put(id, common + ":" + at.path("hash").asText());
      }
    }
    return hashes;
  }

  private JsonNode hashOf(String id, String query) {
    Request r = new Request.Builder().url(url(id) + "/actuator/hash" + query).build();
    try (Response resp = http.newCall(r).execute()) {
      return resp.code() == 200 && resp.body() != null ? JSON.readTree(resp.body().bytes()) : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** The leader of the highest term among running nodes (null if none). */
  String leader() {
    String best = null;
    long bestTerm = -1;
    for (String id : ids) {
      Health h = health(id);
      if (h != null && h.isLeader() && h.term() > bestTerm) {
        best = id;
        bestTerm = h.term();
      }
    }
    return best;
  }

  String awaitLeader(Duration timeout) {
    return awaitLeader(timeout, Set.of());
  }

  /** Waits until some node other than {@code excluded} is leader and a majority agrees on it. */
  String awaitLeader(Duration timeout, Set<String> excluded) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, Integer> votes = new LinkedHashMap<>();
      String self = null;
      for (String id : ids) {
        if (excluded.contains(id)) {
          continue;
        }
        Health h = health(id);
        if (h == null) {
          continue;
        }
        if (h.isLeader()) {
          self = id;
        }
        if (!h.leader().isEmpty()) {
          votes.merge(h.leader(), 1, Integer::sum);
        }
      }
      if (self != null && votes.getOrDefault(self, 0) > ids.size() / 2) {
        return self;
      }
      sleep(50);
    }
    throw new AssertionError("no leader within " + timeout + " (excluding " + excluded + ")");
  }

  /** Waits until the node has applied at least {@code index}. */
  void awaitApplied(String id, long index, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Health h = null;
    while (System.nanoTime() < deadline) {
      h = health(id);
      if (h != null && h.lastApplied() >= index) {
        return;
      }
      sleep(50);
    }
    throw new AssertionError(
        id + " did not apply " + index + " within " + timeout + "; last seen " + h);
  }

  String log(String id) {
    try {
      return Files.readString(logFile(id), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  String logTail(String id, int lines) {
    String[] all = log(id).split("\n");
    return String.join(
        "\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
  }

  @Override
  public void close() {
    for (String id : ids) {
      if (paused.contains(id)) {
        resume(id);
      }
      kill(id);
    }
    links.values().forEach(TcpProxy::close);
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
    for (String id : ids) {
      try {
        deleteTree(dataDir(id));
      } catch (IOException e) {
        // best effort; target/ is cleaned by mvn clean anyway
      }
    }
    System.out.println("[" + name + "] node logs kept in " + root);
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
