package io.kvraft.raft.sim;

import io.kvraft.raft.Entry;
import io.kvraft.raft.Message;
import io.kvraft.raft.PersistentState;
import io.kvraft.raft.ProposeResult;
import io.kvraft.raft.RaftConfig;
import io.kvraft.raft.RaftCore;
import io.kvraft.raft.ReadState;
import io.kvraft.raft.Ready;
import io.kvraft.raft.Role;
import io.kvraft.raft.SnapshotInstall;
import io.kvraft.raft.SnapshotMeta;
import io.kvraft.raft.harness.Invariants;
import io.kvraft.raft.harness.ReadyDriver;
import io.kvraft.raft.harness.Violation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * A cluster of {@link RaftCore}s in virtual time. One seeded {@link Random} drives the network
 * (latency, loss, duplication, symmetric and one-way partitions), the disks (FIFO writes that
 * become durable after a random delay), crashes and restarts, and the client load, so a seed names
 * exactly one run. The {@link Invariants} are checked after every event; the first violation ends
 * the run with a {@link SimulationFailure} carrying the seed and the last events.
 */
public final class Simulator {
  /** Nominal virtual time units per tick. */
  public static final int TICK = 10;

  private static final int TRACE = Integer.getInteger("sim.trace", 40);

  // ---- events, ordered by (time, seq)
  private record Scheduled(long time, long seq, Object event) {}

  private record Tick(int node) {}

  private record Deliver(Message m) {}

  private record DiskDurable(int node, int incarnation) {}

  private record DiskAck(int node, int incarnation) {}

  private record Restart(int node) {}

  /**
   * A whole snapshot arriving at a follower: the chunked transfer of the real node, modelled as one
   * message.
   */
  private record SnapshotDeliver(
      String from, String to, long term, long index, long snapTerm, int senderIncarnation) {}

  /**
   * The leader's node learning how a snapshot transfer ended (the last chunk's reply, or a
   * timeout).
   */
  private record SnapshotReport(int leader, int incarnation, String peer, long index, boolean ok) {}

  private enum Client {
    PROPOSE,
    READ,
    FAULT
  }

  private final long seed;
  private final Profile profile;
  private final CoreFactory factory;
  private final Random rnd;
  private final RaftConfig cfg;
  private final List<String> ids = new ArrayList<>();
  private final List<SimNode> nodes = new ArrayList<>();
  private final Invariants inv;
  private final PriorityQueue<Scheduled> queue =
      new PriorityQueue<>(
          (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private long now;
  private long seq;

  // ---- network and fault state for this run
  private final boolean[][] blocked;
  private double dropProb;
  private double dupProb;
  private double longDelayProb;
  private double crashAfterDurableProb;
  private boolean calm;
  private boolean rejoin;

  /**
   * Chance that a node compacts its log (up to a random applied index) after applying entries; 0 in
   * some runs.
   */
  private final double compactProb;

  /**
   * Draws for compaction only, apart from {@link #rnd}: a run that never compacts is exactly the
   * run this seed gave before snapshots existed, so the seeds that catch the core's deliberate bugs
   * (MutationTest) stay as they were.
   */
  private final Random compactRnd;

  private long proposals;
  private long reads;
  private long compactions;
  private long snapshotsInstalled;
  private long restartsFromSnapshot;
  private long events;
  private long traceHash = 17;
  private final Object[] trace = new Object[TRACE];
  private final long[] traceTime = new long[TRACE];

  public Simulator(long seed, int size, Profile profile, CoreFactory factory) {
    this.seed = seed;
    this.profile = profile;
    this.factory = factory;
    this.rnd = new Random(seed);
    this.cfg =
        RaftConfig.defaults()
            .withCheckQuorum(profile.checkQuorum())
            .withBatching(
                1 + rnd.nextInt(profile.maxEntriesPerAppend()),
                1 << 20,
                1 + rnd.nextInt(profile.maxInflight()));
    this.dropProb = rnd.nextDouble() * profile.dropProb();
    this.dupProb = rnd.nextDouble() * profile.dupProb();
    this.longDelayProb = rnd.nextDouble() * profile.longDelayProb();
    this.crashAfterDurableProb = profile.crashAfterDurableProb();
    this.compactRnd = new Random(seed * 0x9E3779B97F4A7C15L + 0x5EED);
    this.compactProb = compactRnd.nextBoolean() ? 0 : compactRnd.nextDouble() * 0.2;
    this.blocked = new boolean[size][size];
    for (int i = 0; i < size; i++) {
      ids.add("n" + i);
    }
    for (int i = 0; i < size; i++) {
      // Clock skew: each node ticks at its own pace, +-20%.
      SimNode n = new SimNode(ids.get(i), i, TICK - 2 + rnd.nextInt(5));
      nodes.add(n);
      start(n);
      schedule(rnd.nextInt(TICK), new Tick(i));
    }
    this.inv = new Invariants(nodes);
  }

  public long seed() {
    return seed;
  }

  public long events() {
    return events;
  }

  /**
   * Log compactions, snapshots installed on followers, and restarts of a node that had a durable
   * snapshot.
   */
  public long[] snapshotStats() {
    return new long[] {compactions, snapshotsInstalled, restartsFromSnapshot};
  }

  /** A hash over every event processed and the final state: equal for two runs of one seed. */
  public long traceHash() {
    long h = traceHash;
    for (SimNode n : nodes) {
      h = Invariants.mix(h ^ n.toString().hashCode());
    }
    return h;
  }

  // ---------------------------------------------------------------- scenarios

  /**
   * The chaotic phase, then the liveness check: heal everything, a leader must emerge and commit.
   */
  public Simulator run() {
    schedule(expGap(profile.proposeMeanTicks()), Client.PROPOSE);
    schedule(expGap(profile.readMeanTicks()), Client.READ);
    schedule(expGap(profile.faultMeanTicks()), Client.FAULT);
    guarded(() -> runUntil(() -> false, (long) profile.durationTicks() * TICK));
    guarded(this::checkLiveness);
    return this;
  }

  /**
   * PreVote's promise (dissertation §9.6): a stable cluster, one follower isolated for several
   * election timeouts, then healed. Throughout, and for a while after, the leader must stay leader
   * in the same term.
   */
  public Simulator runRejoin() {
    rejoin = true;
    dropProb = 0;
    dupProb = 0;
    longDelayProb = 0;
    crashAfterDurableProb = 0;
    calm = true;
    guarded(
        () -> {
          SimNode leader = awaitStableLeader(now + 20L * electionTimeout());
          for (int i = 0; i < 5; i++) {
            leader.core.propose(payload());
            drain(leader);
          }
          runUntil(() -> false, now + electionTimeout());
          long term = leader.core.term();
          List<SimNode> followers = nodes.stream().filter(n -> n != leader).toList();
          SimNode victim = followers.get(rnd.nextInt(followers.size()));
          long isolatedFor =
              (3 + rnd.nextInt(4)) * electionTimeout() + rnd.nextInt(electionTimeout());
          BooleanSupplier deposed =
              () -> leader.core.role() != Role.LEADER || leader.core.term() != term;
          trace("isolate " + victim.id + " for " + isolatedFor);
          isolate(victim.index, true, true);
          if (runUntil(deposed, now + isolatedFor)) {
            throw new Violation(
                "disruption", leader.id + " lost leadership while " + victim.id + " was isolated");
          }
          trace("heal");
          healAll();
          if (runUntil(deposed, now + 5L * electionTimeout())) {
            throw new Violation(
                "disruption",
                "rejoining "
                    + victim.id
                    + " deposed "
                    + leader.id
                    + " (term "
                    + term
                    + " -> now "
                    + leader.core.term()
                    + ", "
                    + victim
                    + ")");
          }
        });
    return this;
  }

  private void checkLiveness() {
    calm = true;
    dropProb = 0;
    dupProb = 0;
    longDelayProb = 0;
    crashAfterDurableProb = 0;
    healAll();
    for (SimNode n : nodes) {
      if (!n.up()) {
        restart(n);
      }
    }
    trace("liveness: healed, all up");
    long deadline = now + 10L * electionTimeout();
    SimNode leader = awaitStableLeader(deadline);
    // A few proposals must commit everywhere; if leadership moves on meanwhile, propose again to
    // the new leader. Lagging followers catch up at least one batch per round trip (latency both
    // ways, a disk write, a tick or two of pacing), so the bound grows with how far behind the
    // slowest node is.
    long lag =
        leader.core.lastIndex() - nodes.stream().mapToLong(SimNode::lastApplied).min().orElse(0);
    long roundTrip = 2L * profile.maxLatency() + profile.diskDelayMax() + 3L * TICK;
    long commitDeadline =
        now + 10L * electionTimeout() + (lag / cfg.maxEntriesPerAppend() + 1) * roundTrip;
    while (true) {
      long[] idx = new long[3];
      Entry[] want = new Entry[3];
      for (int i = 0; i < 3; i++) {
        ProposeResult r = leader.core.propose(payload());
        ProposeResult.Accepted a = (ProposeResult.Accepted) r;
        idx[i] = a.index();
        want[i] = leader.core.entryAt(a.index());
      }
      drain(leader);
      final SimNode l = leader;
      BooleanSupplier done =
          () -> {
            for (int i = 0; i < 3; i++) {
              Entry got = inv.appliedAt(idx[i]);
              if (got == null || !got.equals(want[i])) {
                return false;
              }
            }
            return nodes.stream().allMatch(n -> n.lastApplied() >= idx[2]);
          };
      BooleanSupplier lost = () -> l.core.role() != Role.LEADER;
      runUntil(() -> done.getAsBoolean() || lost.getAsBoolean(), commitDeadline);
      if (done.getAsBoolean()) {
        return;
      }
      if (now >= commitDeadline) {
        throw new Violation(
            "liveness", "proposals to " + leader.id + " not applied everywhere in time: " + nodes);
      }
      leader = awaitStableLeader(commitDeadline);
    }
  }

  /** Runs until one node leads and every node is in its term. */
  private SimNode awaitStableLeader(long deadline) {
    SimNode[] found = new SimNode[1];
    BooleanSupplier stable =
        () -> {
          for (SimNode n : nodes) {
            if (n.up() && n.core.role() == Role.LEADER) {
              long t = n.core.term();
              if (nodes.stream().allMatch(o -> o.up() && o.core.term() == t)) {
                found[0] = n;
                return true;
              }
            }
          }
          return false;
        };
    if (!runUntil(stable, deadline)) {
      throw new Violation("liveness", "no stable leader by time " + deadline + ": " + nodes);
    }
    return found[0];
  }

  private int electionTimeout() {
    return cfg.electionTicks() * (TICK + 2);
  }

  // ---------------------------------------------------------------- event loop

  /**
   * Processes events up to {@code until}; returns true as soon as {@code stop} holds after an
   * event.
   */
  private boolean runUntil(BooleanSupplier stop, long until) {
    while (!queue.isEmpty() && queue.peek().time <= until) {
      Scheduled s = queue.poll();
      now = s.time;
      events++;
      trace[(int) (events % TRACE)] = s.event;
      traceTime[(int) (events % TRACE)] = now;
      traceHash =
          Invariants.mix(
              traceHash * 31
                  + now * 7
                  + s.event.getClass().getSimpleName().hashCode()
                  + (s.event instanceof Deliver d ? d.m.hashCode() : s.event.hashCode()));
      handle(s.event);
      if (stop.getAsBoolean()) {
        return true;
      }
    }
    now = Math.max(now, until);
    return false;
  }

  private void handle(Object event) {
    if (event instanceof Tick t) {
      SimNode n = nodes.get(t.node());
      schedule(n.tickPeriod, t);
      if (n.up()) {
        n.core.tick();
        settle(n);
      }
    } else if (event instanceof Deliver d) {
      SimNode to = node(d.m().to());
      if (to.up() && !blocked[node(d.m().from()).index][to.index]) {
        to.core.step(d.m());
        settle(to);
      }
    } else if (event instanceof DiskDurable dd) {
      onDurable(nodes.get(dd.node()), dd.incarnation());
    } else if (event instanceof DiskAck da) {
      onAck(nodes.get(da.node()), da.incarnation());
    } else if (event instanceof SnapshotDeliver sd) {
      onSnapshotDeliver(sd);
    } else if (event instanceof SnapshotReport sr) {
      SimNode leader = nodes.get(sr.leader());
      if (leader.up() && leader.incarnation == sr.incarnation()) {
        leader.core.reportSnapshot(sr.peer(), sr.index(), sr.ok());
        settle(leader);
      }
    } else if (event instanceof Restart r) {
      SimNode n = nodes.get(r.node());
      if (!n.up()) {
        restart(n);
      }
    } else if (event instanceof Client c) {
      onClient(c);
    } else {
      throw new IllegalStateException("unknown event " + event);
    }
  }

  /** Carries out everything the core asks for, then checks the invariants. */
  private void settle(SimNode n) {
    drain(n);
    inv.afterEvent(n);
  }

  private void drain(SimNode n) {
    n.driver.drain();
  }

  /**
   * What one node's {@link ReadyDriver} does at each step: the simulated network, disk and checks.
   */
  private final class Host implements ReadyDriver.Host {
    private final SimNode n;

    Host(SimNode n) {
      this.n = n;
    }

    @Override
    public void send(Message m) {
      Simulator.this.send(m);
    }

    @Override
    public void loadSnapshot(SnapshotMeta snapshot) {
      // The real node loads the received image into its state machine before applying anything
      // after it.
      inv.onSnapshotLoaded(n, snapshot.index(), snapshot.term());
    }

    @Override
    public void persist(ReadyDriver.Write w) {
      issueWrite(n, w);
    }

    @Override
    public void apply(List<Entry> committed) {
      // Record what a leader committed before anyone applies it.
      inv.checkCommit(n);
      for (Entry e : committed) {
        inv.onApply(n, e);
      }
    }

    @Override
    public void readState(ReadState rs) {
      inv.onReadState(n, rs);
    }

    @Override
    public void snapshotNeeded(String peer) {
      sendSnapshot(n, peer);
    }

    @Override
    public void afterReady(Ready r) {
      if (!r.committed().isEmpty() && compactProb > 0 && compactRnd.nextDouble() < compactProb) {
        compact(n);
      }
    }
  }

  // ---------------------------------------------------------------- snapshots

  /**
   * A node snapshots its state machine at a random applied index and drops the log up to it. The
   * snapshot is durable at once (the real node writes the file before it compacts anything), and so
   * is the compaction.
   */
  private void compact(SimNode n) {
    long from = n.core.snapshotIndex();
    long to = n.core.appliedIndex();
    if (to <= from) {
      return;
    }
    long index = from + 1 + compactRnd.nextInt((int) (to - from));
    long term = n.core.termAt(index);
    long at = index - n.durableSnapIndex - 1;
    if (at < 0 || at >= n.durableLog.size() || n.durableLog.get((int) at).term() != term) {
      throw new Violation(
          "durability",
          n.id + " applied " + index + "@" + term + " that is not in its durable log");
    }
    n.core.compact(index);
    n.compactDurable(index, term);
    compactions++;
  }

  /**
   * The leader's snapshot is its compaction point: the prefix of its log that it applied and then
   * dropped.
   */
  private void sendSnapshot(SimNode leader, String peer) {
    long index = leader.core.snapshotIndex();
    SnapshotDeliver sd =
        new SnapshotDeliver(
            leader.id,
            peer,
            leader.core.term(),
            index,
            leader.core.termAt(index),
            leader.incarnation);
    int from = leader.index;
    int to = node(peer).index;
    // A transfer takes a few round trips; a lost one is noticed by the sender's timeout, some ticks
    // later.
    if (blocked[from][to] || rnd.nextDouble() < dropProb) {
      schedule(
          3L * TICK + rnd.nextInt(5 * TICK),
          new SnapshotReport(from, leader.incarnation, peer, index, false));
      return;
    }
    schedule(latency() + rnd.nextInt(2 * TICK), sd);
  }

  private void onSnapshotDeliver(SnapshotDeliver sd) {
    SimNode to = node(sd.to());
    int from = node(sd.from()).index;
    boolean ok = false;
    if (to.up() && !blocked[from][to.index]) {
      SnapshotInstall result =
          to.core.installSnapshot(sd.from(), sd.term(), sd.index(), sd.snapTerm());
      settle(to);
      ok = result != SnapshotInstall.REJECTED;
      if (result == SnapshotInstall.INSTALLED) {
        snapshotsInstalled++;
      }
    }
    boolean replyLost = blocked[to.index][from] || rnd.nextDouble() < dropProb;
    schedule(
        replyLost ? 3L * TICK + rnd.nextInt(5 * TICK) : latency(),
        new SnapshotReport(from, sd.senderIncarnation(), sd.to(), sd.index(), ok && !replyLost));
  }

  // ---------------------------------------------------------------- storage

  private void issueWrite(SimNode n, ReadyDriver.Write w) {
    boolean empty = w.hardState() == null && w.entries().isEmpty();
    long at = Math.max(n.lastDiskTime, now + (empty ? 0 : rnd.nextInt(profile.diskDelayMax() + 1)));
    n.lastDiskTime = at;
    n.pending.add(w);
    schedule(at - now, new DiskDurable(n.index, n.incarnation));
  }

  private void onDurable(SimNode n, int incarnation) {
    if (incarnation != n.incarnation) {
      return;
    }
    ReadyDriver.Write w = n.pending.poll();
    n.makeDurable(w);
    if (!calm && rnd.nextDouble() < crashAfterDurableProb) {
      // Durable but unacknowledged: the restart must cope with state nobody was told about.
      crash(n);
      return;
    }
    n.durableUnacked.add(w);
    long at = Math.max(n.lastAckTime, now + rnd.nextInt(3));
    n.lastAckTime = at;
    schedule(at - now, new DiskAck(n.index, n.incarnation));
  }

  private void onAck(SimNode n, int incarnation) {
    if (incarnation != n.incarnation) {
      return;
    }
    ReadyDriver.Write w = n.durableUnacked.poll();
    if (n.driver.durable() != w) {
      throw new IllegalStateException(n.id + ": writes became durable out of order");
    }
    settle(n);
  }

  // ---------------------------------------------------------------- crashes

  private void start(SimNode n) {
    PersistentState ps =
        new PersistentState(
            n.durableHardState, List.copyOf(n.durableLog), n.durableSnapIndex, n.durableSnapTerm);
    n.core = factory.create(n.id, ids, cfg, new Random(rnd.nextLong()), ps);
    n.driver = new ReadyDriver(n.core, new Host(n));
    // The state machine restarts from the durable snapshot; only entries after it are applied
    // again.
    n.resetChecks(
        n.durableSnapIndex,
        inv == null ? inv0Chain() : inv.chainAt(n, n.durableSnapIndex, n.durableSnapTerm));
    n.lastDiskTime = now;
    n.lastAckTime = now;
  }

  private static long inv0Chain() {
    return 0x9E3779B97F4A7C15L;
  }

  private void crash(SimNode n) {
    trace("crash " + n.id);
    n.core = null;
    n.driver = null;
    n.incarnation++;
    n.pending.clear();
    n.durableUnacked.clear();
    inv.checkDurableMajority();
    schedule(1 + rnd.nextInt(profile.restartMaxTicks() * TICK), new Restart(n.index));
  }

  private void restart(SimNode n) {
    if (n.durableSnapIndex > 0) {
      restartsFromSnapshot++;
    }
    start(n);
    trace("restart " + n);
    inv.afterEvent(n);
  }

  // ---------------------------------------------------------------- network

  private void send(Message m) {
    int from = node(m.from()).index;
    int to = node(m.to()).index;
    if (blocked[from][to] || rnd.nextDouble() < dropProb) {
      return;
    }
    schedule(latency(), new Deliver(m));
    if (rnd.nextDouble() < dupProb) {
      schedule(latency(), new Deliver(m));
    }
  }

  private long latency() {
    long l = 1 + rnd.nextInt(profile.maxLatency());
    if (longDelayProb > 0 && rnd.nextDouble() < longDelayProb) {
      l += rnd.nextInt(profile.longDelayMax());
    }
    return l;
  }

  private void isolate(int victim, boolean in, boolean out) {
    for (int o = 0; o < nodes.size(); o++) {
      if (o != victim) {
        blocked[o][victim] |= in;
        blocked[victim][o] |= out;
      }
    }
  }

  private void healAll() {
    for (boolean[] row : blocked) {
      Arrays.fill(row, false);
    }
  }

  // ---------------------------------------------------------------- client load and faults

  private void onClient(Client c) {
    if (calm) {
      return;
    }
    switch (c) {
      case PROPOSE -> {
        schedule(expGap(profile.proposeMeanTicks()), c);
        SimNode target = pickLeaderOrAny();
        if (target != null) {
          target.core.propose(payload());
          settle(target);
        }
      }
      case READ -> {
        schedule(expGap(profile.readMeanTicks()), c);
        SimNode target = pickLeaderOrAny();
        if (target != null) {
          long id = ++reads;
          inv.onReadRequested(id);
          target.core.requestRead(id);
          settle(target);
        }
      }
      case FAULT -> {
        schedule(expGap(profile.faultMeanTicks()), c);
        fault();
      }
    }
  }

  private void fault() {
    int size = nodes.size();
    int pick = rnd.nextInt(profile.wCrash() + 6);
    if (pick < profile.wCrash()) {
      SimNode n = nodes.get(rnd.nextInt(size));
      if (n.up()) {
        crash(n);
      }
      return;
    }
    switch (pick - profile.wCrash()) {
      case 0, 1 -> {
        healAll();
        trace("heal");
      }
      case 2 -> {
        // Random split into two sides.
        healAll();
        boolean[] side = new boolean[size];
        for (int i = 0; i < size; i++) {
          side[i] = rnd.nextBoolean();
        }
        for (int a = 0; a < size; a++) {
          for (int b = 0; b < size; b++) {
            blocked[a][b] = side[a] != side[b];
          }
        }
        trace("split " + Arrays.toString(side));
      }
      case 3 -> {
        int v = rnd.nextInt(size);
        isolate(v, true, true);
        trace("isolate n" + v);
      }
      case 4 -> {
        // One-way: v hears nobody, or nobody hears v.
        int v = rnd.nextInt(size);
        boolean in = rnd.nextBoolean();
        isolate(v, in, !in);
        trace("isolate n" + v + (in ? " inbound" : " outbound"));
      }
      default -> {
        int a = rnd.nextInt(size);
        int b = rnd.nextInt(size);
        if (a != b) {
          blocked[a][b] = true;
          trace("cut n" + a + "->n" + b);
        }
      }
    }
  }

  private SimNode pickLeaderOrAny() {
    SimNode best = null;
    if (rnd.nextInt(10) < 8) {
      for (SimNode n : nodes) {
        if (n.up()
            && n.core.role() == Role.LEADER
            && (best == null || n.core.term() > best.core.term())) {
          best = n;
        }
      }
    }
    if (best == null) {
      SimNode n = nodes.get(rnd.nextInt(nodes.size()));
      best = n.up() ? n : null;
    }
    return best;
  }

  private byte[] payload() {
    return ("v" + (++proposals)).getBytes(StandardCharsets.UTF_8);
  }

  private long expGap(int meanTicks) {
    return 1 + (long) (-Math.log(1 - rnd.nextDouble()) * meanTicks * TICK);
  }

  // ---------------------------------------------------------------- plumbing

  private SimNode node(String id) {
    return nodes.get(id.charAt(1) - '0');
  }

  private void schedule(long delay, Object event) {
    queue.add(new Scheduled(now + delay, seq++, event));
  }

  private void trace(String note) {
    events++;
    trace[(int) (events % TRACE)] = note;
    traceTime[(int) (events % TRACE)] = now;
    traceHash = Invariants.mix(traceHash * 31 + note.hashCode());
  }

  private void guarded(Runnable body) {
    try {
      body.run();
    } catch (Violation v) {
      throw failure(v.invariant, v.getMessage(), null);
    } catch (SimulationFailure f) {
      throw f;
    } catch (RuntimeException e) {
      throw failure("core exception", e.toString(), e);
    }
  }

  private SimulationFailure failure(String invariant, String detail, Throwable cause) {
    StringBuilder sb = new StringBuilder();
    for (long i = Math.max(1, events - TRACE + 1); i <= events; i++) {
      sb.append("    t=")
          .append(traceTime[(int) (i % TRACE)])
          .append(' ')
          .append(trace[(int) (i % TRACE)])
          .append('\n');
    }
    sb.append("  nodes: ").append(nodes);
    return new SimulationFailure(
        seed, nodes.size(), profile.name(), rejoin, invariant, detail, sb.toString(), cause);
  }
}
