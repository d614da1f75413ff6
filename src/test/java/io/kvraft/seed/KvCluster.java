package io.kvraft.seed;

import io.kvraft.client.KvClient;
import io.kvraft.client.KvEndpoint;
import io.kvraft.client.KvReply;
import io.kvraft.client.KvRequest;
import io.kvraft.kv.ClientRef;
import io.kvraft.kv.InvalidRequestException;
import io.kvraft.kv.KvApplier;
import io.kvraft.kv.KvLimits;
import io.kvraft.kv.KvResult;
import io.kvraft.kv.KvService;
import io.kvraft.kv.KvStateMachine;
import io.kvraft.kv.Precondition;
import io.kvraft.node.Applier;
import io.kvraft.node.NodeStatus;
import io.kvraft.node.NotLeaderException;
import io.kvraft.node.RaftNode;
import io.kvraft.node.SnapshotPolicy;
import io.kvraft.node.UnavailableException;
import io.kvraft.raft.Configuration;
import io.kvraft.raft.RaftConfig;
import io.kvraft.raft.Role;
import io.kvraft.raft.log.MemoryRaftStorage;
import io.kvraft.raft.log.SnapshotStore;
import io.kvraft.transport.InMemoryNetwork;
import io.kvraft.transport.Transport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The seed's kvraft {@code config.go} in Java: {@code n} servers, each a real {@link RaftNode} +
 * {@link KvService} + {@link KvStateMachine} on a {@link MemoryRaftStorage}, joined by a {@link
 * InMemoryNetwork}; clerks are real {@link KvClient}s whose endpoints call a server's KvService
 * in-process and can be cut off, made lossy, or hit a crash.
 *
 * <p>Timing: a 10 ms tick, election timeout 15 ticks (150–300 ms, drawn by the core), heartbeat
 * every 2 ticks (20 ms). That is the seed's 100 ms heartbeat / ~1 s election scaled down about
 * fivefold so rounds see many elections; KvService gives up on a request after {@link
 * #REQUEST_TIMEOUT} (503) so clerks move on quickly.
 *
 * <p>Crash ({@link #shutdownServer}) follows the seed's {@code ShutdownServer}: the server is cut
 * off first (its endpoints and links go dead, so no reply or message of the old incarnation escapes
 * afterwards), then {@link RaftNode#crash()}, then only what the storage had synced is kept ({@link
 * MemoryRaftStorage#crashCopy()}). {@link #startServer} starts a new incarnation on that copy with
 * an empty state machine, which the node rebuilds by re-applying the log as the commit index
 * becomes known again.
 *
 * <p>Snapshots (the seed's {@code maxraftstate}): with {@code maxraftstate > 0} each server gets a
 * {@link SnapshotStore} in its own directory under a temp directory and snapshots once {@code
 * maxraftstate} bytes of log were applied since the last one; snapshot chunks travel over the
 * {@link InMemoryNetwork}. The directory survives a crash (like fsynced files: a crash here stops
 * the node, so whatever it wrote to a file stays), and the next incarnation loads the newest valid
 * snapshot and replays the log after it. With {@code maxraftstate <= 0} (the 3A tests) servers keep
 * no snapshots, as before.
 */
final class KvCluster implements AutoCloseable {
  static final Duration TICK = Duration.ofMillis(10);
  static final RaftConfig RAFT_CONFIG =
      RaftConfig.defaults().withElectionTicks(15).withHeartbeatTicks(2);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);

  /** The seed's {@code electionTimeout} sleep (1 s) after healing and between crash and restart. */
  static final Duration ELECTION_TIMEOUT = Duration.ofSeconds(1);

  /**
   * One running incarnation of a server. Identity matters: a different object means the server
   * crashed.
   */
  private record Server(
      RaftNode node, KvService kv, MemoryRaftStorage storage, KvStateMachine sm) {}

  /** Bytes of applied log that trigger a snapshot; 0 or less means no snapshots. */
  private final int maxraftstate;

  /** Per-server snapshot directories live under this; null without snapshots. */
  private final Path snapshotRoot;

  /** Builds each incarnation's applier over its state machine: {@link KvApplier}, or a mutant. */
  private final Function<KvStateMachine, Applier> applierFactory;

  private final int n;
  private final List<String> ids;
  private final InMemoryNetwork net;
  private final AtomicReferenceArray<Server> servers;

  /** What a down server persisted; its next incarnation starts from it. */
  private final MemoryRaftStorage[] saved;

  private final AtomicInteger nextClientId = new AtomicInteger();
  private final AtomicLong ops = new AtomicLong();

  /** Exceptions no client should ever see (bugs); tests assert this stays empty. */
  private final Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();

  private volatile boolean closed;

  private String title;
  private long t0;
  private long rpcs0;
  private long ops0;

  KvCluster(int n, boolean unreliable) {
    this(n, unreliable, -1);
  }

  KvCluster(int n, boolean unreliable, int maxraftstate) {
    this(n, unreliable, maxraftstate, KvApplier::new);
  }

  /** As above, with every server applying through {@code applierFactory} (tests of mutants). */
  KvCluster(
      int n,
      boolean unreliable,
      int maxraftstate,
      Function<KvStateMachine, Applier> applierFactory) {
    this.applierFactory = applierFactory;
    this.n = n;
    this.maxraftstate = maxraftstate;
    try {
      this.snapshotRoot = maxraftstate > 0 ? Files.createTempDirectory("kvcluster-snap") : null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.ids = IntStream.range(0, n).mapToObj(i -> "s" + i).toList();
    this.net = new InMemoryNetwork();
    this.net.setUnreliable(unreliable);
    this.servers = new AtomicReferenceArray<>(n);
    this.saved = new MemoryRaftStorage[n];
    for (int i = 0; i < n; i++) {
      startServer(i);
    }
  }

  int n() {
    return n;
  }

  List<Integer> all() {
    return IntStream.range(0, n).boxed().toList();
  }

  // ---------------------------------------------------------------- servers

  /** Starts server {@code i} from what it persisted (nothing the first time). */
  void startServer(int i) {
    if (servers.get(i) != null) {
      throw new IllegalStateException("server " + i + " is running");
    }
    MemoryRaftStorage storage = saved[i] != null ? saved[i] : new MemoryRaftStorage();
    saved[i] = null;
    KvStateMachine sm = new KvStateMachine();
    Transport transport = net.attach(ids.get(i));
    RaftNode node;
    try {
      if (snapshotRoot == null) {
        node =
            new RaftNode(
                ids.get(i),
                Configuration.ofVoters(ids),
                RAFT_CONFIG,
                TICK,
                storage,
                transport,
                applierFactory.apply(sm),
                new Random());
      } else {
        node =
            new RaftNode(
                ids.get(i),
                Configuration.ofVoters(ids),
                RAFT_CONFIG,
                TICK,
                storage,
                transport,
                applierFactory.apply(sm),
                new Random(),
                SnapshotStore.open(snapshotRoot.resolve(ids.get(i)), false),
                SnapshotPolicy.of(maxraftstate, Duration.ZERO));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    KvService kv = new KvService(node, sm, KvLimits.defaults(), REQUEST_TIMEOUT, Clock.systemUTC());
    node.start();
    servers.set(i, new Server(node, kv, storage, sm));
    net.up(ids.get(i), node::receive, snapshotRoot == null ? null : node::receiveSnapshotChunk);
  }

  /** Crashes server {@code i} (kill -9): no reply after this point, only synced state survives. */
  void shutdownServer(int i) {
    Server s = servers.getAndSet(i, null);
    if (s == null) {
      return;
    }
    net.detach(ids.get(i));
    s.node.crash();
    saved[i] = s.storage.crashCopy();
  }

  /** The seed's {@code LogSize()}: the largest Raft log (storage bytes) of any running server. */
  long logSize() {
    long max = 0;
    for (int i = 0; i < n; i++) {
      Server s = servers.get(i);
      if (s != null) {
        max = Math.max(max, s.storage.sizeBytes());
      }
    }
    return max;
  }

  /**
   * The seed's {@code SnapshotSize()}: the largest newest snapshot (bytes on disk) of any running
   * server.
   */
  long snapshotSize() {
    long max = 0;
    for (int i = 0; i < n; i++) {
      Server s = servers.get(i);
      if (s != null && s.node.latestSnapshot() != null) {
        max = Math.max(max, s.node.latestSnapshot().length());
      }
    }
    return max;
  }

  /** Server {@code i}'s raft log bytes, or -1 when it is down. */
  long logSize(int i) {
    Server s = servers.get(i);
    return s == null ? -1 : s.storage.sizeBytes();
  }

  /**
   * Snapshots taken and installed by server {@code i}'s current incarnation ({@link
   * RaftNode#snapshotCounts}).
   */
  long[] snapshotCounts(int i) {
    Server s = servers.get(i);
    return s == null ? new long[] {0, 0} : s.node.snapshotCounts();
  }

  /** Status of a running server, or null when it is down. */
  NodeStatus status(int i) {
    Server s = servers.get(i);
    return s == null ? null : s.node.status();
  }

  /**
   * The running server that believes it leads in the highest term, or -1 (the seed's {@code
   * Leader()}).
   */
  int leader() {
    int best = -1;
    long bestTerm = -1;
    for (int i = 0; i < n; i++) {
      NodeStatus st = status(i);
      if (st != null && st.role() == Role.LEADER && st.term() > bestTerm) {
        best = i;
        bestTerm = st.term();
      }
    }
    return best;
  }

  // ---------------------------------------------------------------- network

  void connectAll() {
    net.connectAll();
  }

  void partition(List<Integer> p1, List<Integer> p2) {
    net.partition(idsOf(p1), idsOf(p2));
  }

  private List<String> idsOf(List<Integer> servers) {
    return servers.stream().map(ids::get).toList();
  }

  /**
   * The seed's {@code make_partition}: {@code p1} is a majority of {@code n/2 + 1} servers, {@code
   * p2} the rest, with the current leader ({@code leader >= 0}) in the minority {@code p2}.
   */
  static List<List<Integer>> makePartition(int n, int leader) {
    List<Integer> p1 = new ArrayList<>();
    List<Integer> p2 = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (i == leader) {
        continue;
      }
      if (p1.size() < n / 2 + 1) {
        p1.add(i);
      } else {
        p2.add(i);
      }
    }
    p2.add(leader);
    return List.of(p1, p2);
  }

  // ---------------------------------------------------------------- clients

  /**
   * A clerk with its own endpoints, in shuffled order, to every server; only those in {@code to}
   * connected.
   */
  Clerk makeClient(List<Integer> to) {
    List<Integer> order = new ArrayList<>(all());
    Collections.shuffle(order);
    Map<Integer, ClientEnd> ends = new LinkedHashMap<>();
    Map<String, KvEndpoint> byId = new LinkedHashMap<>();
    for (int i : order) {
      ClientEnd e = new ClientEnd(i);
      e.enabled = to.contains(i);
      ends.put(i, e);
      byId.put(ids.get(i), e);
    }
    int id = nextClientId.incrementAndGet();
    return new Clerk(id, new KvClient(byId, null), ends);
  }

  /** One clerk: a real {@link KvClient} and the endpoints it reaches the servers through. */
  static final class Clerk {
    final int id;
    final KvClient kv;
    private final Map<Integer, ClientEnd> ends;

    private Clerk(int id, KvClient kv, Map<Integer, ClientEnd> ends) {
      this.id = id;
      this.kv = kv;
      this.ends = ends;
    }

    /**
     * The seed's {@code ConnectClient(ck, to)}: exactly the servers in {@code to} are reachable.
     */
    void connect(List<Integer> to) {
      ends.forEach((i, e) -> e.enabled = to.contains(i));
    }

    /**
     * The servers in the order this clerk tries them, for a test that sends requests itself rather
     * than through {@link #kv} (to record each answer's revision).
     */
    List<Integer> servers() {
      return List.copyOf(ends.keySet());
    }

    /** One request to one server through this clerk's end, with that end's faults. */
    KvReply call(int server, KvRequest req) throws IOException {
      return ends.get(server).call(req);
    }

    /**
     * One listing page ({@code GET /kv?prefix=...}, linearizable) from one server through this
     * clerk's end, with that end's faults; every failure, including no leader, is an IOException.
     */
    List<String> listKeys(int server, String prefix, String startAfter, int limit)
        throws IOException {
      return ends.get(server).listKeys(prefix, startAfter, limit);
    }
  }

  /** Counts one clerk operation for the summary line (the seed's {@code cfg.op()}). */
  void op() {
    ops.incrementAndGet();
  }

  List<Throwable> unexpectedErrors() {
    return List.copyOf(unexpected);
  }

  /**
   * One clerk's endpoint to one server, like a labrpc ClientEnd: disconnected or dead target →
   * IOException after 0–99 ms; unreliable → 0–26 ms delay, 10 % of requests and 10 % of replies
   * lost (the handler ran, the clerk sees an IOException); a server that crashes while handling
   * never replies.
   */
  private final class ClientEnd implements KvEndpoint {
    private final int server;
    volatile boolean enabled = true;

    ClientEnd(int server) {
      this.server = server;
    }

    @Override
    public KvReply call(KvRequest req) throws IOException {
      return throughNetwork("request", s -> handle(s, req));
    }

    /** As {@link #call}, for a listing page, which {@link KvRequest} has no form for. */
    List<String> listKeys(String prefix, String startAfter, int limit) throws IOException {
      return throughNetwork(
          "listing",
          s -> {
            try {
              // KvService gives up after REQUEST_TIMEOUT; a crashed server's future may never
              // complete.
              return s.kv.keys(prefix, startAfter, limit, false).get(5, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
              throw new IOException("listing on server " + server + " failed: " + e, e);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IllegalStateException("interrupted");
            }
          });
    }

    /** What a server does with one request, reply included. */
    private interface Exchange<T> {
      T on(Server s) throws IOException;
    }

    /**
     * The network's faults around one exchange: unreachable while cut off or down, and when lossy a
     * delay and a 10% chance each way of losing the {@code what} or its reply.
     */
    private <T> T throughNetwork(String what, Exchange<T> exchange) throws IOException {
      if (closed) {
        // Stops clerk threads left behind by a failed test: KvClient retries IOExceptions forever.
        throw new IllegalStateException("cluster closed");
      }
      ThreadLocalRandom rnd = ThreadLocalRandom.current();
      Server s = servers.get(server);
      if (!enabled || s == null) {
        pause(rnd.nextInt(100));
        throw new IOException("server " + server + " unreachable");
      }
      boolean lossy = net.unreliable();
      if (lossy) {
        pause(rnd.nextInt(27));
        if (rnd.nextInt(1000) < 100) {
          throw new IOException(what + " to server " + server + " lost");
        }
      }
      T reply = exchange.on(s);
      if (servers.get(server) != s || !enabled) {
        throw new IOException("server " + server + " crashed or was cut off; reply suppressed");
      }
      if (lossy && rnd.nextInt(1000) < 100) {
        throw new IOException("reply from server " + server + " lost");
      }
      return reply;
    }

    private KvReply handle(Server s, KvRequest req) throws IOException {
      CompletableFuture<KvReply> f;
      try {
        f = dispatch(s.kv, req);
      } catch (RuntimeException e) {
        return failure(e);
      }
      long start = System.nanoTime();
      while (true) {
        try {
          return f.get(20, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          // labrpc checks every 100 ms whether the server was killed; then the reply never comes.
          if (servers.get(server) != s) {
            throw new IOException("server " + server + " crashed while handling the request");
          }
          if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(30)) {
            unexpected.add(new AssertionError("KvService did not answer " + req + " within 30 s"));
            throw new IOException("no answer from server " + server);
          }
        } catch (ExecutionException e) {
          return failure(e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted");
        }
      }
    }

    private KvReply failure(Throwable t) {
      Throwable e = t;
      while (e instanceof CompletionException && e.getCause() != null) {
        e = e.getCause();
      }
      if (e instanceof NotLeaderException nle) {
        return new KvReply(503, null, 0, nle.leaderHint(), nle.getMessage());
      }
      if (e instanceof UnavailableException) {
        return new KvReply(503, null, 0, null, e.getMessage());
      }
      if (e instanceof InvalidRequestException ire) {
        return new KvReply(ire.tooLarge() ? 413 : 400, null, 0, null, e.getMessage());
      }
      unexpected.add(e);
      return new KvReply(500, null, 0, null, String.valueOf(e));
    }
  }

  private static CompletableFuture<KvReply> dispatch(KvService kv, KvRequest r) {
    ClientRef client = r.clientId() == null ? ClientRef.NONE : new ClientRef(r.clientId(), r.seq());
    Precondition pre =
        r.ifNoneMatch()
            ? Precondition.ifNoneMatch()
            : r.ifMatch() > 0 ? Precondition.ifMatch(r.ifMatch()) : Precondition.none();
    return switch (r.op()) {
      case GET ->
          kv.get(r.key(), r.stale())
              .thenApply(
                  v ->
                      v.map(found -> new KvReply(200, found.value(), found.revision(), null, null))
                          .orElseGet(() -> new KvReply(404, null, 0, null, "key not found")));
      case PUT -> kv.put(r.key(), r.value(), pre, client).thenApply(KvCluster::writeReply);
      case APPEND -> kv.append(r.key(), r.value(), client).thenApply(KvCluster::writeReply);
      case DELETE -> kv.delete(r.key(), pre, client).thenApply(KvCluster::writeReply);
      case REGISTER -> kv.register().thenApply(KvCluster::registerReply);
    };
  }

  /** As the REST controller answers a write (design §3). */
  private static KvReply writeReply(KvResult r) {
    return switch (r.status()) {
      case OK -> new KvReply(200, new byte[0], r.revision(), null, null);
      case NOT_FOUND -> new KvReply(204, new byte[0], 0, null, null);
      case PRECONDITION_FAILED -> new KvReply(412, null, r.revision(), null, "precondition failed");
      case STALE_REQUEST -> new KvReply(409, null, 0, null, "stale Request-Seq");
      case SESSION_EXPIRED -> new KvReply(410, null, 0, null, "session expired");
      case SESSIONS_FULL -> throw new IllegalStateException("a write is not a registration: " + r);
    };
  }

  /** As POST /sessions answers: 201 with the issued id, or 503 when the session table is full. */
  private static KvReply registerReply(KvResult r) {
    return r.isOk()
        ? new KvReply(
            201,
            KvStateMachine.sessionId(r.revision()).getBytes(StandardCharsets.UTF_8),
            0,
            null,
            null)
        : new KvReply(503, null, 0, null, "too many sessions");
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  // ---------------------------------------------------------------- summary

  /** The seed's {@code cfg.begin}: prints the title and starts counting time, RPCs and ops. */
  void begin(String title) {
    this.title = title;
    System.out.println("Test: " + title + " ...");
    t0 = System.nanoTime();
    rpcs0 = net.messagesSent();
    ops0 = ops.get();
  }

  /** The seed's {@code cfg.end}: {@code ... Passed -- time peers rpcs ops}. */
  void end() {
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "  ... Passed --  %4.1f  %d %5d %4d  (%s)%n",
        secs, n, net.messagesSent() - rpcs0, ops.get() - ops0, title);
  }

  String describe() {
    return IntStream.range(0, n)
        .mapToObj(
            i -> Optional.ofNullable(status(i)).map(Object::toString).orElse("s" + i + " down"))
        .collect(Collectors.joining("\n  ", "cluster:\n  ", ""));
  }

  /**
   * Replica comparison (issue 14, item 2): every running server holds the same state hash at the
   * highest index all of them applied. Checked at the end of every test, while nothing waits for
   * anything: lagging or cut-off servers are compared where they are.
   */
  void assertReplicasAgree() {
    long common = Long.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      Server s = servers.get(i);
      if (s != null && s.sm.hashes().latest().isPresent()) {
        common = Math.min(common, s.sm.hashes().latest().get().index());
      }
    }
    Map<String, Long> hashes = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      Server s = servers.get(i);
      if (s != null && common != Long.MAX_VALUE) {
        // Absent only for a server that installed a snapshot past it: compared next time.
        String id = ids.get(i);
        s.sm.hashes().at(common).ifPresent(h -> hashes.put(id, h));
      }
    }
    if (new HashSet<>(hashes.values()).size() > 1) {
      throw new AssertionError(
          "replicas diverged: state hashes at applied index " + common + ": " + hashes);
    }
  }

  @Override
  public void close() {
    if (!closed) {
      assertReplicasAgree();
    }
    closed = true;
    for (int i = 0; i < n; i++) {
      Server s = servers.getAndSet(i, null);
      if (s != null) {
        net.detach(ids.get(i));
        s.node.close();
      }
    }
    net.close();
    if (snapshotRoot != null) {
      try (var paths = Files.walk(snapshotRoot)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // a temp directory left behind is harmless
      }
    }
  }
}
