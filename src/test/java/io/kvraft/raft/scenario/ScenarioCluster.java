package io.kvraft.raft.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import io.kvraft.raft.Message;
import io.kvraft.raft.PersistentState;
import io.kvraft.raft.ProposeResult;
import io.kvraft.raft.RaftConfig;
import io.kvraft.raft.RaftCore;
import io.kvraft.raft.ReadState;
import io.kvraft.raft.Ready;
import io.kvraft.raft.Role;
import io.kvraft.raft.harness.Invariants;
import io.kvraft.raft.harness.ReadyDriver;
import io.kvraft.raft.harness.Violation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * A deterministic cluster of {@link RaftCore}s in virtual time, shaped after 6.824's labrpc/config:
 * the test connects and disconnects nodes, crashes and restarts them, and may make the network
 * unreliable. Everything random comes from one seeded {@link Random}; time only moves when the test
 * ticks.
 *
 * <p>Each node's Ready batches are carried out by a {@link ReadyDriver}, in the production node's
 * order, over storage that is durable at once unless the test holds a node's fsyncs. The {@link
 * Invariants} are checked on every step, so any scenario that breaks them fails where it happens;
 * among them:
 *
 * <ul>
 *   <li>Election Safety (Raft Figure 3): at most one leader per term;
 *   <li>State Machine Safety (Figure 3): a node applies entries in index order, and every node
 *       applies the same entry at a given index — including after crashes, so a committed entry is
 *       never lost.
 * </ul>
 */
final class ScenarioCluster {
  /**
   * A full election timeout in ticks: the longest randomized timeout (2 * electionTicks) with
   * defaults.
   */
  static final int ELECTION_TIMEOUT = 20;

  private final RaftConfig cfg;
  private final Random rnd;
  private final List<String> ids;
  private final NodeState[] nodes;
  private final PriorityQueue<InFlight> network =
      new PriorityQueue<>(
          (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private long now;
  private long seq;

  private final boolean[] connected;
  private final int[] group;
  private boolean unreliable;
  private boolean longReordering;
  private Predicate<Message> dropFilter = m -> false;

  /** Raft's safety properties, over every node's whole history. */
  private final Invariants inv;

  private final Map<Class<?>, Long> requestsByType = new HashMap<>();
  private long requests;
  private long messages;
  private long appendRejections;
  private final long[] appendsTo;

  private final class NodeState extends Invariants.Node implements ReadyDriver.Host {
    final int index;
    RaftCore core;

    /** Carries out the core's Ready batches; its writes in flight are the fsyncs not done yet. */
    ReadyDriver driver;

    int incarnation;
    // durable storage
    HardState hardState;
    final List<Entry> log = new ArrayList<>();
    final List<Long> overwrites = new ArrayList<>();
    // fsync control
    boolean holdSync;
    // state machine (volatile: rebuilt from the log on restart, there are no snapshots)
    final TreeMap<Long, Entry> applied = new TreeMap<>();
    final List<ReadState> readStates = new ArrayList<>();

    NodeState(int index, String id, PersistentState initial) {
      super(id);
      this.index = index;
      this.hardState = initial.hardState();
      this.log.addAll(initial.entries());
    }

    @Override
    public RaftCore core() {
      return core;
    }

    @Override
    protected boolean durablyHolds(long i, Entry e) {
      return i <= log.size() && log.get((int) i - 1).equals(e);
    }

    @Override
    public void send(Message m) {
      ScenarioCluster.this.send(index, m);
    }

    @Override
    public void persist(ReadyDriver.Write w) {
      if (!holdSync) {
        completeWrite(this);
      }
    }

    @Override
    public void apply(List<Entry> committed) {
      check(() -> inv.checkCommit(this));
      for (Entry e : committed) {
        check(() -> inv.onApply(this, e));
        applied.put(e.index(), e);
      }
    }

    @Override
    public void readState(ReadState rs) {
      check(() -> inv.onReadState(this, rs));
      readStates.add(rs);
    }

    @Override
    public void snapshotNeeded(String peer) {
      fail("no compaction in these scenarios, but %s needs a snapshot for %s", id, peer);
    }

    @Override
    public void afterReady(Ready r) {
      check(() -> inv.afterEvent(this));
    }
  }

  private record InFlight(long at, long seq, int from, int fromIncarnation, Message m) {}

  /** A commit observation: how many live nodes applied the index, and what they applied there. */
  record Committed(int count, Entry entry) {
    String command() {
      return entry == null ? null : new String(entry.data(), StandardCharsets.UTF_8);
    }
  }

  ScenarioCluster(int n, long seed) {
    this(RaftConfig.defaults(), seed, Collections.nCopies(n, PersistentState.empty()));
  }

  ScenarioCluster(RaftConfig cfg, long seed, List<PersistentState> initial) {
    this.cfg = cfg;
    this.rnd = new Random(seed);
    int n = initial.size();
    this.ids = IntStream.range(0, n).mapToObj(ScenarioCluster::idOf).toList();
    this.nodes = new NodeState[n];
    this.connected = new boolean[n];
    this.group = new int[n];
    this.appendsTo = new long[n];
    for (int i = 0; i < n; i++) {
      nodes[i] = new NodeState(i, ids.get(i), initial.get(i));
      connected[i] = true;
    }
    this.inv = new Invariants(Arrays.asList(nodes));
    for (int i = 0; i < n; i++) {
      restart(i);
    }
  }

  static String idOf(int i) {
    return "s" + i;
  }

  static byte[] bytes(String cmd) {
    return cmd.getBytes(StandardCharsets.UTF_8);
  }

  int size() {
    return nodes.length;
  }

  Random random() {
    return rnd;
  }

  long now() {
    return now;
  }

  RaftCore core(int i) {
    return nodes[i].core;
  }

  int indexOf(String id) {
    return ids.indexOf(id);
  }

  // ------------------------------------------------------------------ time and delivery

  void runTicks(int n) {
    for (int t = 0; t < n; t++) {
      tick(null);
    }
  }

  /**
   * Ticks only the given nodes: the others' timers stand still, so they never time out (scripted
   * scenarios).
   */
  void runTicksOf(int n, int... only) {
    boolean[] mask = new boolean[nodes.length];
    for (int i : only) {
      mask[i] = true;
    }
    for (int t = 0; t < n; t++) {
      tick(mask);
    }
  }

  /** Ticks until {@code cond} holds; fails after {@code maxTicks}. Returns the ticks it took. */
  int runUntil(BooleanSupplier cond, int maxTicks, String what) {
    settle();
    for (int t = 0; t <= maxTicks; t++) {
      if (cond.getAsBoolean()) {
        return t;
      }
      tick(null);
    }
    return fail("after %d ticks still not: %s; cluster %s", maxTicks, what, describe());
  }

  private void tick(boolean[] mask) {
    now++;
    for (int i = 0; i < nodes.length; i++) {
      if (nodes[i].core != null && (mask == null || mask[i])) {
        nodes[i].core.tick();
      }
    }
    settle();
  }

  /**
   * Carries out every pending Ready and delivers every message due by now, until the cluster is
   * quiet.
   */
  void settle() {
    long guard = 0;
    do {
      for (int i = 0; i < nodes.length; i++) {
        drainReady(i);
      }
      while (!network.isEmpty() && network.peek().at <= now) {
        deliver(network.poll());
        if (++guard > 5_000_000) {
          fail("message storm: the cluster never went quiet; %s", describe());
        }
      }
    } while (anyReady());
  }

  private boolean anyReady() {
    for (NodeState nd : nodes) {
      if (nd.core != null && nd.core.hasReady()) {
        return true;
      }
    }
    return false;
  }

  private void deliver(InFlight f) {
    int to = indexOf(f.m.to());
    // A crashed sender's in-flight messages die with it (6.824 gives a restarted server fresh
    // endpoints).
    if (nodes[f.from].incarnation != f.fromIncarnation
        || !linkUp(f.from, to)
        || nodes[to].core == null
        || dropFilter.test(f.m)) {
      return;
    }
    nodes[to].core.step(f.m);
    drainReady(to);
  }

  private void drainReady(int i) {
    NodeState nd = nodes[i];
    if (nd.driver != null) {
      nd.driver.drain();
    }
  }

  /**
   * The oldest write of the node in flight is on disk; the driver tells the core and sends what
   * waited for it.
   */
  private void completeWrite(NodeState nd) {
    ReadyDriver.Write w = nd.driver.durable();
    if (w.hardState() != null) {
      nd.hardState = w.hardState();
    }
    if (!w.entries().isEmpty()) {
      storeEntries(nd, w.entries());
    }
  }

  /**
   * Writes entries from their first index on, recording where durable content was lost or replaced.
   */
  private void storeEntries(NodeState nd, List<Entry> entries) {
    long first = entries.get(0).index();
    assertThat(first)
        .as("%s persists entries leaving a gap", nd.id)
        .isLessThanOrEqualTo(nd.log.size() + 1L);
    long lostFrom = -1;
    for (long idx = first; idx <= nd.log.size(); idx++) {
      int k = (int) (idx - first);
      if (k >= entries.size() || !entries.get(k).equals(nd.log.get((int) idx - 1))) {
        lostFrom = idx;
        break;
      }
    }
    if (lostFrom > 0) {
      nd.overwrites.add(lostFrom);
    }
    nd.log.subList((int) first - 1, nd.log.size()).clear();
    nd.log.addAll(entries);
  }

  /**
   * Runs one of the {@link Invariants}' checks; a violation fails the test with the cluster's
   * state.
   */
  private void check(Runnable invariantCheck) {
    try {
      invariantCheck.run();
    } catch (Violation v) {
      fail("%s violated: %s; %s", v.invariant, v.getMessage(), describe());
    }
  }

  private void send(int from, Message m) {
    messages++;
    if (isRequest(m)) {
      requests++;
      requestsByType.merge(m.getClass(), 1L, Long::sum);
    }
    if (m instanceof Message.AppendResponse r && !r.success() && r.rejectedPrevIndex() >= 0) {
      appendRejections++;
    }
    int to = indexOf(m.to());
    if (m instanceof Message.AppendRequest) {
      appendsTo[to]++;
    }
    if (!linkUp(from, to)) {
      return;
    }
    long delay = 0;
    if (unreliable) {
      if (rnd.nextInt(10) == 0) {
        return;
      }
      delay = rnd.nextInt(2);
    }
    if (longReordering && !isRequest(m) && rnd.nextInt(900) < 600) {
      // labrpc's long reordering: most replies arrive much later than the election timeout
      delay += 5 + rnd.nextInt(1 + rnd.nextInt(60));
    }
    network.add(new InFlight(now + delay, seq++, from, nodes[from].incarnation, m));
  }

  static boolean isRequest(Message m) {
    return m instanceof Message.VoteRequest
        || m instanceof Message.AppendRequest
        || m instanceof Message.Heartbeat
        || m instanceof Message.ReadIndexRequest;
  }

  // ------------------------------------------------------------------ faults

  private boolean linkUp(int a, int b) {
    return connected[a] && connected[b] && group[a] == group[b];
  }

  void disconnect(int i) {
    connected[i] = false;
  }

  void connect(int i) {
    connected[i] = true;
  }

  boolean isConnected(int i) {
    return connected[i];
  }

  boolean isAlive(int i) {
    return nodes[i].core != null;
  }

  /** Splits the cluster into the given groups; messages only flow inside a group. */
  void partition(int[]... groups) {
    Arrays.fill(group, -1);
    for (int g = 0; g < groups.length; g++) {
      for (int i : groups[g]) {
        group[i] = g;
      }
    }
    for (int i = 0; i < group.length; i++) {
      assertThat(group[i]).as("node %d in no partition", i).isNotNegative();
    }
  }

  void heal() {
    Arrays.fill(group, 0);
    Arrays.fill(connected, true);
  }

  void setUnreliable(boolean on) {
    unreliable = on;
  }

  void setLongReordering(boolean on) {
    longReordering = on;
  }

  /**
   * Drops every message matching {@code filter} when it would be delivered, so the filter may look
   * at the receiver's state then (a scripted adversary for the paper's figures).
   */
  void dropIf(Predicate<Message> filter) {
    dropFilter = filter;
  }

  /** Loses all volatile state, and any write not yet synced; what was synced stays. */
  void crash(int i) {
    NodeState nd = nodes[i];
    nd.core = null;
    nd.driver = null;
    nd.incarnation++;
    nd.readStates.clear();
  }

  /**
   * Crashes node i and loses its disk as well (an operator wiped its data directory); restart it
   * afterwards.
   */
  void wipe(int i) {
    crash(i);
    nodes[i].hardState = HardState.INITIAL;
    nodes[i].log.clear();
  }

  /**
   * A new RaftCore from the persisted state; the state machine starts empty and replays the
   * committed log.
   */
  void restart(int i) {
    NodeState nd = nodes[i];
    if (nd.core != null) {
      crash(i);
    }
    nd.applied.clear();
    nd.resetChecks(0, inv.chainAt(nd, 0, 0));
    nd.core =
        new RaftCore(
            nd.id,
            ids,
            cfg,
            new Random(rnd.nextLong()),
            new PersistentState(nd.hardState, List.copyOf(nd.log), 0, 0));
    nd.driver = new ReadyDriver(nd.core, nd);
  }

  /**
   * From now on node i's writes wait for {@link #sync(int)}; acknowledgements depending on them
   * wait too.
   */
  void holdSync(int i, boolean hold) {
    nodes[i].holdSync = hold;
    if (!hold) {
      sync(i);
    }
  }

  void sync(int i) {
    NodeState nd = nodes[i];
    while (nd.driver != null && nd.driver.writesInFlight() > 0) {
      completeWrite(nd);
    }
    settle();
  }

  // ------------------------------------------------------------------ client actions

  /**
   * Like 6.824's Start(): proposes on node i without waiting; the messages go out on the next
   * settle or tick.
   */
  ProposeResult start(int i, String cmd) {
    RaftCore core = nodes[i].core;
    return core == null ? new ProposeResult.NotLeader(null) : core.propose(bytes(cmd));
  }

  void requestRead(int i, long requestId) {
    inv.onReadRequested(requestId);
    nodes[i].core.requestRead(requestId);
  }

  List<ReadState> readStates(int i) {
    return nodes[i].readStates;
  }

  // ------------------------------------------------------------------ 6.824 config helpers

  /**
   * 6.824 checkOneLeader: waits for exactly one leader among connected live nodes in the newest
   * term.
   */
  int checkOneLeader() {
    for (int iter = 0; iter < 10; iter++) {
      runTicks(ELECTION_TIMEOUT / 2 + rnd.nextInt(3));
      Map<Long, List<Integer>> leaders = new TreeMap<>();
      for (int i = 0; i < nodes.length; i++) {
        if (connected[i] && isAlive(i) && nodes[i].core.role() == Role.LEADER) {
          leaders.computeIfAbsent(nodes[i].core.term(), k -> new ArrayList<>()).add(i);
        }
      }
      for (var e : leaders.entrySet()) {
        assertThat(e.getValue()).as("leaders in term %d", e.getKey()).hasSize(1);
      }
      if (!leaders.isEmpty()) {
        return ((TreeMap<Long, List<Integer>>) leaders).lastEntry().getValue().get(0);
      }
    }
    return fail("expected one leader, got none; %s", describe());
  }

  /** 6.824 checkTerms: connected live nodes agree on the term. */
  long checkTerms() {
    long term = -1;
    for (int i = 0; i < nodes.length; i++) {
      if (connected[i] && isAlive(i)) {
        long t = nodes[i].core.term();
        if (term == -1) {
          term = t;
        } else {
          assertThat(t).as("servers disagree on term; %s", describe()).isEqualTo(term);
        }
      }
    }
    return term;
  }

  void checkNoLeader() {
    for (int i = 0; i < nodes.length; i++) {
      if (connected[i] && isAlive(i)) {
        assertThat(nodes[i].core.role())
            .as("%s is leader but should not be; %s", idOf(i), describe())
            .isNotEqualTo(Role.LEADER);
      }
    }
  }

  /**
   * How many live nodes applied the entry at {@code index}; all that did applied the same one
   * (checked on apply).
   */
  Committed nCommitted(long index) {
    int count = 0;
    Entry entry = null;
    for (NodeState nd : nodes) {
      if (nd.core != null) {
        Entry e = nd.applied.get(index);
        if (e != null) {
          count++;
          entry = e;
        }
      }
    }
    return new Committed(count, entry);
  }

  /**
   * 6.824 one(): finds a leader, proposes {@code cmd} and waits (bounded virtual time) for {@code
   * expectedServers} to apply it at that index; with {@code retry} it re-proposes if the entry lost
   * its slot.
   */
  long one(String cmd, int expectedServers, boolean retry) {
    long deadline = now + 10L * ELECTION_TIMEOUT;
    int starti = 0;
    while (now < deadline) {
      long index = -1;
      for (int k = 0; k < nodes.length; k++) {
        starti = (starti + 1) % nodes.length;
        if (connected[starti]
            && isAlive(starti)
            && start(starti, cmd) instanceof ProposeResult.Accepted a) {
          index = a.index();
          break;
        }
      }
      if (index != -1) {
        settle();
        long waitUntil = now + 2L * ELECTION_TIMEOUT;
        while (now < waitUntil) {
          Committed c = nCommitted(index);
          if (c.count() > 0 && c.count() >= expectedServers && cmd.equals(c.command())) {
            return index;
          }
          runTicks(1);
        }
        if (!retry) {
          fail(
              "one(%s) failed to reach agreement on %d servers; %s",
              cmd, expectedServers, describe());
        }
      } else {
        runTicks(1);
      }
    }
    return fail(
        "one(%s) failed to reach agreement on %d servers; %s", cmd, expectedServers, describe());
  }

  /**
   * 6.824 wait(): waits until at least {@code n} live nodes applied {@code index}; returns its
   * command.
   */
  String waitCommitted(long index, int n) {
    runUntil(
        () -> nCommitted(index).count() >= n,
        10 * ELECTION_TIMEOUT,
        n + " servers applied " + index);
    return nCommitted(index).command();
  }

  // ------------------------------------------------------------------ observation

  long requests() {
    return requests;
  }

  long requests(Class<? extends Message> type) {
    return requestsByType.getOrDefault(type, 0L);
  }

  long messages() {
    return messages;
  }

  long appendRejections() {
    return appendRejections;
  }

  /** AppendEntries requests sent to node i so far (dropped ones included). */
  long appendsTo(int i) {
    return appendsTo[i];
  }

  /**
   * Node i's log equals node j's (by the Log Matching Property, comparing the last entries
   * suffices).
   */
  boolean logsMatch(int i, int j) {
    RaftCore a = nodes[i].core;
    RaftCore b = nodes[j].core;
    return a != null
        && b != null
        && a.lastIndex() == b.lastIndex()
        && a.termAt(a.lastIndex()) == b.termAt(b.lastIndex());
  }

  List<Entry> durableLog(int i) {
    return List.copyOf(nodes[i].log);
  }

  HardState durableHardState(int i) {
    return nodes[i].hardState;
  }

  /** Indexes from which node i's durable log lost or replaced entries. */
  List<Long> overwrites(int i) {
    return List.copyOf(nodes[i].overwrites);
  }

  /** Node i's applied entries, by index. */
  Map<Long, Entry> applied(int i) {
    return Collections.unmodifiableMap(nodes[i].applied);
  }

  Set<Long> termsWithLeader() {
    return inv.termsWithLeader();
  }

  String describe() {
    StringBuilder sb = new StringBuilder("t=" + now + " [");
    for (int i = 0; i < nodes.length; i++) {
      sb.append(i == 0 ? "" : ", ")
          .append(nodes[i].core == null ? idOf(i) + "{DEAD}" : nodes[i].core.toString())
          .append(connected[i] ? "" : "(disconnected)")
          .append(group[i] == 0 ? "" : "(group " + group[i] + ")");
    }
    return sb.append(']').toString();
  }
}
