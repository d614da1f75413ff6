package io.kvraft.raft;

import io.kvraft.raft.Message.AppendRequest;
import io.kvraft.raft.Message.AppendResponse;
import io.kvraft.raft.Message.Heartbeat;
import io.kvraft.raft.Message.HeartbeatResponse;
import io.kvraft.raft.Message.ReadIndexRequest;
import io.kvraft.raft.Message.ReadIndexResponse;
import io.kvraft.raft.Message.VoteRequest;
import io.kvraft.raft.Message.VoteResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Raft consensus algorithm as a deterministic state machine: no threads, clocks or I/O. The
 * node drives it with {@link #tick()}, {@link #step(Message)}, {@link #propose(byte[])} and {@link
 * #requestRead(long)}, then carries out {@link #ready()} (persist, send, apply) and reports
 * durability with {@link #persisted(long, long)}.
 *
 * <p>Beyond the paper's Figure 2 it implements PreVote and CheckQuorum (dissertation §9.6, §6.2),
 * leader no-op entries, the conflict-term hint for fast log repair, pipelined and batched
 * AppendEntries, and ReadIndex reads (§6.4). Who votes and who only learns is a {@link
 * Configuration}; every majority is counted by it. Learners receive the log but never campaign, and
 * count for no majority.
 *
 * <p>Invariants (checked by the simulation): at most one leader per term; logs that share an
 * (index, term) share the prefix before it; a committed entry is in every later leader's log;
 * {@code handedOut <= commit}.
 */
public final class RaftCore {
  private final String id;
  private Configuration config;

  /**
   * The other members of {@link #config}, voters and learners, in id order: everyone the leader
   * replicates to.
   */
  private List<String> peers;

  private final RaftConfig cfg;
  private final Random random;
  private final Set<Mutation> mutations;
  private final RaftLog log;

  private long term;
  private String votedFor;
  private Role role = Role.FOLLOWER;
  private String leader;

  private int electionElapsed;
  private int heartbeatElapsed;
  private int randomizedElectionTimeout;

  private final Map<String, Progress> progress = new LinkedHashMap<>();

  /** This campaign's answers: member id to whether it granted its vote (ours included). */
  private final Map<String, Boolean> votes = new HashMap<>();

  private boolean broadcastPending;

  private HardState handedOutHardState;
  private final List<Message> outbox = new ArrayList<>();
  private final List<Message> outboxAfterPersist = new ArrayList<>();
  private final List<ReadState> readStates = new ArrayList<>();
  private final Set<String> snapshotNeeded = new TreeSet<>();

  /** A snapshot accepted from the leader that the node has not been told to install yet. */
  private SnapshotMeta snapshotToInstall;

  private final ReadIndexTracker reads;

  /**
   * Reads this follower asked its leader for and has no answer to yet, re-sent so a lost message
   * costs little.
   */
  private final java.util.LinkedHashSet<Long> forwardedReads = new java.util.LinkedHashSet<>();

  private static final int MAX_FORWARDED_READS = 10_000;

  /**
   * Restores a node from what its storage holds; a brand-new node passes an empty log and
   * HardState.INITIAL.
   */
  public RaftCore(
      String id,
      Collection<String> voters,
      RaftConfig cfg,
      Random random,
      PersistentState restored) {
    this(id, Configuration.ofVoters(voters), cfg, random, restored, EnumSet.noneOf(Mutation.class));
  }

  public RaftCore(
      String id, Configuration config, RaftConfig cfg, Random random, PersistentState restored) {
    this(id, config, cfg, random, restored, EnumSet.noneOf(Mutation.class));
  }

  RaftCore(
      String id,
      Collection<String> voters,
      RaftConfig cfg,
      Random random,
      PersistentState restored,
      Set<Mutation> mutations) {
    this(id, Configuration.ofVoters(voters), cfg, random, restored, mutations);
  }

  RaftCore(
      String id,
      Configuration config,
      RaftConfig cfg,
      Random random,
      PersistentState restored,
      Set<Mutation> mutations) {
    this.id = Objects.requireNonNull(id);
    if (!config.contains(id)) {
      throw new IllegalArgumentException(
          "configuration " + config + " does not include this node " + id);
    }
    this.config = config;
    this.reads = new ReadIndexTracker(id, () -> this.config);
    this.peers = config.members().stream().filter(m -> !m.equals(id)).toList();
    this.cfg = cfg;
    this.random = random;
    this.mutations =
        mutations.isEmpty() ? EnumSet.noneOf(Mutation.class) : EnumSet.copyOf(mutations);
    this.log =
        new RaftLog(
            restored.snapshotIndex(),
            restored.snapshotTerm(),
            restored.entries(),
            restored.appliedIndex());
    this.term = restored.hardState().term();
    this.votedFor = restored.hardState().votedFor();
    this.handedOutHardState = restored.hardState();
    resetElectionTimer();
  }

  // ---------------------------------------------------------------- inputs

  /** One unit of logical time: drives elections, heartbeats and CheckQuorum. */
  public void tick() {
    if (role == Role.LEADER) {
      tickLeader();
    } else {
      tickElection();
    }
  }

  private void tickElection() {
    electionElapsed++;
    if (!forwardedReads.isEmpty()
        && leader != null
        && electionElapsed % (cfg.heartbeatTicks() * 2) == 0) {
      resendForwardedReads();
    }
    if (electionElapsed >= randomizedElectionTimeout) {
      electionElapsed = 0;
      if (config.isVoter(id)) {
        campaign(usePreVote());
      }
    }
  }

  private void tickLeader() {
    heartbeatElapsed++;
    electionElapsed++;
    if (electionElapsed >= cfg.electionTicks()) {
      electionElapsed = 0;
      if (cfg.checkQuorum() && !checkQuorumActive()) {
        // §6.2: a leader cut off from a majority must stop acting as leader, so clients move on.
        becomeFollower(term, null);
        return;
      }
    }
    if (heartbeatElapsed >= cfg.heartbeatTicks()) {
      heartbeatElapsed = 0;
      broadcastHeartbeat();
    }
  }

  /**
   * Starts an election now instead of waiting for the election timeout. A node alone in its cluster
   * uses it to become leader at start-up; elsewhere it only costs an election.
   */
  public void campaignNow() {
    if (role != Role.LEADER && config.isVoter(id)) {
      electionElapsed = 0;
      campaign(usePreVote());
    }
  }

  /** Feeds one message received from a peer. Messages for another node are ignored. */
  public void step(Message m) {
    if (!id.equals(m.to()) || !config.contains(m.from())) {
      return;
    }
    if (m.term() > term) {
      if (m instanceof VoteRequest && inLease()) {
        // §4.2.3: while we hear from a live leader, a candidate with a higher term is disruptive,
        // not needed.
        return;
      }
      boolean preVoteTraffic =
          (m instanceof VoteRequest v && v.preVote())
              || (m instanceof VoteResponse r && r.preVote() && r.granted());
      if (!preVoteTraffic) {
        boolean fromLeader = m instanceof AppendRequest || m instanceof Heartbeat;
        becomeFollower(m.term(), fromLeader ? m.from() : null);
      }
    } else if (m.term() < term) {
      stepLowerTerm(m);
      return;
    }

    if (m instanceof VoteRequest v) {
      handleVoteRequest(v);
    } else if (m instanceof VoteResponse r) {
      handleVoteResponse(r);
    } else if (m instanceof AppendRequest a) {
      followLeader(a.from());
      handleAppend(a);
    } else if (m instanceof Heartbeat h) {
      followLeader(h.from());
      handleHeartbeat(h);
    } else if (m instanceof AppendResponse r) {
      if (role == Role.LEADER) {
        handleAppendResponse(r);
      }
    } else if (m instanceof HeartbeatResponse r) {
      if (role == Role.LEADER) {
        handleHeartbeatResponse(r);
      }
    } else if (m instanceof ReadIndexRequest r) {
      handleRead(r.from(), r.requestId());
    } else if (m instanceof ReadIndexResponse r) {
      if (forwardedReads.remove(r.requestId())) {
        readStates.add(new ReadState(r.requestId(), r.readIndex()));
      }
    }
  }

  private void stepLowerTerm(Message m) {
    if ((cfg.checkQuorum() || cfg.preVote())
        && (m instanceof AppendRequest || m instanceof Heartbeat)) {
      // A stale leader (or one whose term a partitioned node outran before PreVote stopped it)
      // would otherwise never learn the newer term from this node and the two would ignore each
      // other forever.
      send(new AppendResponse(id, m.from(), term, false, 0, -1, 0, 0));
    } else if (m instanceof VoteRequest v && v.preVote()) {
      send(new VoteResponse(id, m.from(), term, false, true));
    } else if (m instanceof ReadIndexRequest r) {
      send(new ReadIndexResponse(id, r.from(), term, r.requestId(), -1));
    }
  }

  /**
   * Appends a command to the leader's log. Returns where it was placed; the entry is only committed
   * if an entry of the same term is later applied at that index.
   */
  public ProposeResult propose(byte[] data) {
    if (role != Role.LEADER) {
      return new ProposeResult.NotLeader(leader);
    }
    Entry e = Entry.command(term, log.lastIndex() + 1, data);
    log.appendAsLeader(e);
    // Sending is deferred to ready() so that proposals made together travel in one AppendEntries.
    broadcastPending = true;
    return new ProposeResult.Accepted(e.index(), e.term());
  }

  /**
   * Asks for a linearizable read point. The answer arrives in a later {@link Ready#readStates()}
   * with this {@code requestId}: the commit index once leadership is confirmed by a heartbeat
   * round, or -1 on failure.
   */
  public void requestRead(long requestId) {
    handleRead(id, requestId);
  }

  /** Storage made everything up to {@code index} (whose entry has {@code entryTerm}) durable. */
  public void persisted(long index, long entryTerm) {
    log.stableTo(index, entryTerm);
    if (role == Role.LEADER) {
      maybeCommit();
    }
  }

  /**
   * Outcome of a snapshot sent to a peer listed in {@link Ready#snapshotNeeded()}; {@code
   * snapshotIndex} is the index of the snapshot the node actually sent. On success the leader
   * probes right after it (etcd's PendingSnapshot): the follower's AppendEntries reply, not this
   * report, is what moves match, so a report that outran the follower's fsync cannot make the
   * leader believe in entries the follower may still lose. On failure the leader probes from match
   * again, which asks for a snapshot anew; the node paces those retries.
   */
  public void reportSnapshot(String peer, long snapshotIndex, boolean ok) {
    Progress pr = progress.get(peer);
    if (role != Role.LEADER || pr == null || pr.state != Progress.State.SNAPSHOT) {
      return;
    }
    pr.becomeProbe(ok ? Math.min(snapshotIndex, log.lastIndex()) + 1 : pr.match + 1);
    sendAppend(peer, true);
  }

  /**
   * A follower received a complete, verified snapshot covering the log up to {@code snapshotIndex}
   * (whose entry has {@code snapshotTerm}) from {@code leaderId} in {@code leaderTerm}:
   * InstallSnapshot's receiver rules (Raft §7), with the term checks of AppendEntries. When it
   * returns {@link SnapshotInstall#INSTALLED} the next {@link Ready#snapshot()} asks the node to
   * load it; the acknowledgement to the leader leaves after that is durable.
   */
  public SnapshotInstall installSnapshot(
      String leaderId, long leaderTerm, long snapshotIndex, long snapshotTerm) {
    if (!config.contains(leaderId)
        || leaderId.equals(id)
        || snapshotIndex < 1
        || snapshotTerm < 1) {
      return SnapshotInstall.REJECTED;
    }
    if (leaderTerm < term) {
      // Tell the stale leader about the newer term, as for a stale AppendEntries.
      send(new AppendResponse(id, leaderId, term, false, 0, -1, 0, 0));
      return SnapshotInstall.REJECTED;
    }
    if (leaderTerm > term) {
      becomeFollower(leaderTerm, leaderId);
    } else if (role == Role.LEADER) {
      return SnapshotInstall.REJECTED; // election safety: no other leader of our term exists
    }
    followLeader(leaderId);
    if (snapshotIndex <= log.committed()) {
      if (mutations.contains(Mutation.LOAD_COVERED_SNAPSHOT)) {
        snapshotToInstall = new SnapshotMeta(snapshotIndex, snapshotTerm);
      }
      // Everything it covers is committed here already, so our log matches the leader's up to our
      // commit.
      sendAfterPersist(
          new AppendResponse(id, leaderId, term, true, log.committed(), snapshotIndex, 0, 0));
      return SnapshotInstall.ALREADY_COVERED;
    }
    log.restoreSnapshot(snapshotIndex, snapshotTerm);
    snapshotToInstall = new SnapshotMeta(snapshotIndex, snapshotTerm);
    sendAfterPersist(
        new AppendResponse(id, leaderId, term, true, snapshotIndex, snapshotIndex, 0, 0));
    return SnapshotInstall.INSTALLED;
  }

  /**
   * Drops log entries up to {@code index}; the caller's snapshot covers them. Only applied entries
   * qualify.
   */
  public void compact(long index) {
    log.compact(index);
  }

  /**
   * Where to compact for a snapshot at {@code snapshotIndex} so that the last {@code
   * trailingEntries} entries before it (at most {@code trailingBytes} of them) stay: a follower
   * that is only that far behind then gets entries, not the whole snapshot.
   */
  public long compactionPoint(long snapshotIndex, int trailingEntries, long trailingBytes) {
    return log.compactionPoint(snapshotIndex, trailingEntries, trailingBytes);
  }

  // ---------------------------------------------------------------- output

  public boolean hasReady() {
    return broadcastPending
        || !outbox.isEmpty()
        || !outboxAfterPersist.isEmpty()
        || !readStates.isEmpty()
        || !snapshotNeeded.isEmpty()
        || snapshotToInstall != null
        || log.hasUnstable()
        || log.hasCommittedToHandOut()
        || !currentHardState().equals(handedOutHardState);
  }

  /** Takes everything the node must do now; see {@link Ready} for the order it must follow. */
  public Ready ready() {
    if (broadcastPending) {
      broadcastPending = false;
      for (String p : peers) {
        sendAppend(p, false);
      }
    }
    HardState hs = currentHardState();
    HardState changed = hs.equals(handedOutHardState) ? null : hs;
    handedOutHardState = hs;
    Ready r =
        new Ready(
            changed,
            log.takeUnstable(),
            List.copyOf(outbox),
            List.copyOf(outboxAfterPersist),
            log.takeCommitted(),
            List.copyOf(readStates),
            Set.copyOf(snapshotNeeded),
            snapshotToInstall);
    snapshotToInstall = null;
    outbox.clear();
    outboxAfterPersist.clear();
    readStates.clear();
    snapshotNeeded.clear();
    return r;
  }

  // ---------------------------------------------------------------- elections

  private boolean usePreVote() {
    return cfg.preVote() && !mutations.contains(Mutation.NO_PRE_VOTE);
  }

  private boolean inLease() {
    return cfg.checkQuorum() && leader != null && electionElapsed < cfg.electionTicks();
  }

  private void campaign(boolean preVote) {
    long campaignTerm;
    if (preVote) {
      role = Role.PRE_CANDIDATE;
      leader = null;
      campaignTerm = term + 1;
    } else {
      becomeCandidate();
      campaignTerm = term;
    }
    votes.clear();
    votes.put(id, true);
    if (config.voteResult(votes) == Configuration.VoteResult.WON) {
      onElectionWon(preVote);
      return;
    }
    for (String p : config.voters()) {
      if (p.equals(id)) {
        continue;
      }
      VoteRequest req =
          new VoteRequest(id, p, campaignTerm, log.lastIndex(), log.lastTerm(), preVote);
      if (preVote) {
        send(req);
      } else {
        // Our own vote must be durable before anyone sees us campaign with it, or a crash could let
        // us vote twice.
        sendAfterPersist(req);
      }
    }
  }

  private void becomeCandidate() {
    failForwardedReads();
    role = Role.CANDIDATE;
    term++;
    votedFor = id;
    leader = null;
    resetElectionTimer();
  }

  private void handleVoteRequest(VoteRequest v) {
    boolean canVote =
        Objects.equals(votedFor, v.from())
            || (votedFor == null && leader == null)
            || (v.preVote() && v.term() > term);
    boolean upToDate =
        mutations.contains(Mutation.VOTE_WITHOUT_LOG_CHECK)
            || log.isUpToDate(v.lastLogIndex(), v.lastLogTerm());
    if (canVote && upToDate) {
      if (v.preVote()) {
        // Answer in the term asked about, so the pre-candidate counts it; our own term does not
        // move.
        send(new VoteResponse(id, v.from(), v.term(), true, true));
      } else {
        votedFor = v.from();
        electionElapsed = 0;
        sendAfterPersist(new VoteResponse(id, v.from(), term, true, false));
      }
    } else {
      send(new VoteResponse(id, v.from(), term, false, v.preVote()));
    }
  }

  private void handleVoteResponse(VoteResponse r) {
    boolean counting =
        (role == Role.CANDIDATE && !r.preVote()) || (role == Role.PRE_CANDIDATE && r.preVote());
    if (!counting) {
      return;
    }
    votes.put(r.from(), r.granted());
    switch (config.voteResult(votes)) {
      case WON -> onElectionWon(r.preVote());
      case LOST -> becomeFollower(term, null);
      case PENDING -> {}
    }
  }

  private void onElectionWon(boolean preVote) {
    if (preVote) {
      campaign(false);
    } else {
      becomeLeader();
    }
  }

  private void becomeFollower(long newTerm, String newLeader) {
    if (role == Role.LEADER) {
      reads.failAll(this::deliverRead);
    }
    String previousLeader = leader;
    if (newTerm > term) {
      term = newTerm;
      votedFor = null;
    }
    role = Role.FOLLOWER;
    leader = newLeader;
    progress.clear();
    broadcastPending = false;
    resetElectionTimer();
    if (newLeader != null && !newLeader.equals(previousLeader)) {
      resendForwardedReads();
    }
  }

  private void followLeader(String from) {
    if (role != Role.FOLLOWER) {
      becomeFollower(term, from);
    }
    boolean changed = !from.equals(leader);
    leader = from;
    electionElapsed = 0;
    if (changed) {
      // Asking the new leader is safe: it fixes the read point when it receives the request, which
      // is later.
      resendForwardedReads();
    }
  }

  private void resendForwardedReads() {
    if (leader == null || leader.equals(id)) {
      return;
    }
    for (long requestId : forwardedReads) {
      send(new ReadIndexRequest(id, leader, term, requestId));
    }
  }

  private void failForwardedReads() {
    for (long requestId : forwardedReads) {
      readStates.add(new ReadState(requestId, -1));
    }
    forwardedReads.clear();
  }

  private void becomeLeader() {
    role = Role.LEADER;
    leader = id;
    heartbeatElapsed = 0;
    electionElapsed = 0;
    progress.clear();
    for (String p : peers) {
      progress.put(p, new Progress(log.lastIndex() + 1));
    }
    // §5.4.2 / §6.4: a leader can only learn what is committed, and serve reads, once an entry of
    // its own term is.
    log.appendAsLeader(Entry.noop(term, log.lastIndex() + 1));
    for (String p : peers) {
      sendAppend(p, true);
    }
  }

  private void resetElectionTimer() {
    electionElapsed = 0;
    heartbeatElapsed = 0;
    randomizedElectionTimeout = cfg.electionTicks() + random.nextInt(cfg.electionTicks());
  }

  private boolean checkQuorumActive() {
    Set<String> active = new HashSet<>();
    active.add(id);
    progress.forEach(
        (peer, pr) -> {
          if (pr.recentActive) {
            active.add(peer);
          }
          pr.recentActive = false;
        });
    return config.hasQuorum(active);
  }

  // ---------------------------------------------------------------- replication (leader)

  private void sendAppend(String to, boolean evenIfEmpty) {
    Progress pr = progress.get(to);
    while (true) {
      if (pr.state == Progress.State.SNAPSHOT
          || (pr.state == Progress.State.PROBE && pr.probeSent)
          || (pr.state == Progress.State.REPLICATE && pr.inflightFull(cfg.maxInflightAppends()))) {
        return;
      }
      long prev = pr.next - 1;
      long prevTerm = log.term(prev);
      if (prevTerm < 0) {
        pr.becomeSnapshot();
        snapshotNeeded.add(to);
        return;
      }
      List<Entry> batch = log.slice(pr.next, cfg.maxEntriesPerAppend(), cfg.maxBytesPerAppend());
      if (batch.isEmpty() && !evenIfEmpty) {
        return;
      }
      send(new AppendRequest(id, to, term, prev, prevTerm, batch, log.committed()));
      if (pr.state == Progress.State.PROBE) {
        pr.probeSent = true;
        return;
      }
      if (batch.isEmpty()) {
        return;
      }
      pr.sentEntries(batch.get(batch.size() - 1).index());
      evenIfEmpty = false;
    }
  }

  private void broadcastHeartbeat() {
    for (String p : peers) {
      Progress pr = progress.get(p);
      long commit = Math.min(pr.match, log.committed());
      send(new Heartbeat(id, p, term, commit, reads.latestRound()));
    }
  }

  private void handleAppendResponse(AppendResponse r) {
    Progress pr = progress.get(r.from());
    pr.recentActive = true;
    if (r.success()) {
      boolean moved = pr.maybeUpdate(r.matchIndex());
      if (pr.state == Progress.State.PROBE
          || (pr.state == Progress.State.SNAPSHOT && pr.match + 1 >= log.firstIndex())) {
        // In SNAPSHOT: the follower installed a snapshot (or caught up otherwise) and our log
        // continues from it.
        pr.becomeReplicate();
      }
      if (moved) {
        maybeCommit();
      }
      sendAppend(r.from(), false);
      return;
    }
    if (r.conflictTerm() == 0
        && r.conflictIndex() <= pr.match
        && r.rejectedPrevIndex() >= pr.match) {
      // The follower's log ends below what it acknowledged: its disk lost entries (a wiped or
      // replaced data directory). Probing at match + 1 would be rejected forever; lowering match
      // only makes the leader resend more, so it is always safe, also when this rejection was
      // merely delayed by reordering.
      pr.match = r.conflictIndex() - 1;
      pr.becomeProbe(r.conflictIndex());
      sendAppend(r.from(), true);
      return;
    }
    boolean stale =
        pr.state == Progress.State.PROBE
            ? r.rejectedPrevIndex() != pr.next - 1
            : r.rejectedPrevIndex() <= pr.match;
    if (stale || pr.state == Progress.State.SNAPSHOT) {
      return;
    }
    long next;
    if (r.conflictTerm() <= 0) {
      next = r.conflictIndex();
    } else {
      long ours = log.lastIndexOfTerm(r.conflictTerm(), r.rejectedPrevIndex());
      next = ours > 0 ? ours + 1 : r.conflictIndex();
    }
    next = Math.min(next, r.rejectedPrevIndex());
    pr.becomeProbe(Math.max(next, 1));
    sendAppend(r.from(), true);
  }

  private void handleHeartbeatResponse(HeartbeatResponse r) {
    Progress pr = progress.get(r.from());
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.state == Progress.State.REPLICATE && pr.match < log.lastIndex()) {
      // An AppendEntries lost while replicating leaves a gap no reply will report; if match has not
      // moved for half an election timeout, fall back to probing from match so the follower is
      // repaired. Waiting less would make a merely slow follower (a busy disk, a restarting JVM)
      // receive the same entries again and again.
      if (pr.match == pr.matchAtLastHeartbeat
          && pr.hasInflight()
          && ++pr.stalledHeartbeats
              >= Math.max(2, cfg.electionTicks() / cfg.heartbeatTicks() / 2)) {
        pr.becomeProbe(pr.match + 1);
      }
    }
    pr.matchAtLastHeartbeat = pr.match;
    if (pr.match < log.lastIndex()) {
      sendAppend(r.from(), pr.state == Progress.State.PROBE);
    }
    reads.ack(r.from(), r.readRound(), this::deliverRead);
    startReadRoundIfWaiting();
  }

  private void maybeCommit() {
    long quorumIndex =
        config.committedIndex(m -> m.equals(id) ? log.stableIndex() : progress.get(m).match);
    if (quorumIndex <= log.committed()) {
      return;
    }
    // Figure 8: only an entry of the leader's own term is committed by counting replicas.
    if (log.term(quorumIndex) == term || mutations.contains(Mutation.COMMIT_OLD_TERM_BY_COUNTING)) {
      log.commitTo(quorumIndex);
      if (committedInCurrentTerm()) {
        reads.releaseWaitingForCommit();
        startReadRoundIfWaiting();
      }
    }
  }

  private boolean committedInCurrentTerm() {
    return log.term(log.committed()) == term;
  }

  // ---------------------------------------------------------------- replication (follower)

  private void handleAppend(AppendRequest a) {
    if (a.prevLogIndex() < log.committed()) {
      // Everything up to our commit index already matches any current leader's log.
      sendAfterPersist(
          new AppendResponse(id, a.from(), term, true, log.committed(), a.prevLogIndex(), 0, 0));
      return;
    }
    boolean prevMatches =
        mutations.contains(Mutation.NO_PREV_LOG_TERM_CHECK)
            ? a.prevLogIndex() <= log.lastIndex()
            : log.matchTerm(a.prevLogIndex(), a.prevLogTerm());
    if (prevMatches) {
      long lastNew = a.prevLogIndex() + a.entries().size();
      log.appendFromLeader(a.entries());
      log.commitTo(Math.min(a.leaderCommit(), lastNew));
      sendAfterPersist(
          new AppendResponse(id, a.from(), term, true, lastNew, a.prevLogIndex(), 0, 0));
      return;
    }
    long conflictTerm;
    long conflictIndex;
    if (a.prevLogIndex() > log.lastIndex()) {
      conflictTerm = 0;
      conflictIndex = log.lastIndex() + 1;
    } else {
      conflictTerm = log.term(a.prevLogIndex());
      conflictIndex = log.firstIndexOfTermAt(a.prevLogIndex());
    }
    send(
        new AppendResponse(
            id, a.from(), term, false, 0, a.prevLogIndex(), conflictTerm, conflictIndex));
  }

  private void handleHeartbeat(Heartbeat h) {
    log.commitTo(Math.min(h.commit(), log.lastIndex()));
    send(new HeartbeatResponse(id, h.from(), term, h.readRound()));
  }

  // ---------------------------------------------------------------- ReadIndex

  private void handleRead(String origin, long requestId) {
    if (role != Role.LEADER) {
      if (origin.equals(id) && role == Role.FOLLOWER) {
        // Without a known leader the request waits for one; the caller's timeout bounds the wait.
        forwardedReads.add(requestId);
        if (forwardedReads.size() > MAX_FORWARDED_READS) {
          long oldest = forwardedReads.iterator().next();
          forwardedReads.remove(oldest);
          readStates.add(new ReadState(oldest, -1));
        }
        if (leader != null) {
          send(new ReadIndexRequest(id, leader, term, requestId));
        }
      } else {
        deliverRead(origin, requestId, -1);
      }
      return;
    }
    if (mutations.contains(Mutation.READ_INDEX_WITHOUT_CONFIRMATION) && committedInCurrentTerm()) {
      deliverRead(origin, requestId, log.committed());
      return;
    }
    reads.add(origin, requestId, committedInCurrentTerm());
    startReadRoundIfWaiting();
  }

  private void startReadRoundIfWaiting() {
    if (role == Role.LEADER && reads.startRound(log.committed())) {
      if (!peers.isEmpty()) {
        broadcastHeartbeat();
      }
      // A leader that is a majority by itself (a lone voter, with or without learners) confirms the
      // round at once.
      reads.ack(null, reads.latestRound(), this::deliverRead);
    }
  }

  private void deliverRead(String origin, long requestId, long readIndex) {
    if (origin.equals(id)) {
      readStates.add(new ReadState(requestId, readIndex));
    } else {
      send(new ReadIndexResponse(id, origin, term, requestId, readIndex));
    }
  }

  // ---------------------------------------------------------------- helpers

  private void send(Message m) {
    outbox.add(m);
  }

  private void sendAfterPersist(Message m) {
    if (mutations.contains(Mutation.ACK_BEFORE_PERSIST)) {
      outbox.add(m);
    } else {
      outboxAfterPersist.add(m);
    }
  }

  private HardState currentHardState() {
    return new HardState(term, votedFor);
  }

  // ---------------------------------------------------------------- observation

  public String id() {
    return id;
  }

  /** Every member, voters and learners, in id order. */
  public List<String> members() {
    return List.copyOf(config.members());
  }

  public Configuration configuration() {
    return config;
  }

  public Role role() {
    return role;
  }

  public long term() {
    return term;
  }

  /** The leader this node follows (itself when leader), or null when it knows of none. */
  public String leader() {
    return leader;
  }

  public long commitIndex() {
    return log.committed();
  }

  public long lastIndex() {
    return log.lastIndex();
  }

  public long firstIndex() {
    return log.firstIndex();
  }

  /**
   * The index and term the log was compacted (or a snapshot installed) up to; index 0 when never.
   */
  public long snapshotIndex() {
    return log.snapshotIndex();
  }

  /** Term of the entry at {@code index}, -1 when unknown. */
  public long termAt(long index) {
    return log.term(index);
  }

  /** The entry at {@code index}; only for indexes in [firstIndex, lastIndex]. */
  public Entry entryAt(long index) {
    return log.entry(index);
  }

  /** Last index handed out for applying. */
  public long appliedIndex() {
    return log.handedOutIndex();
  }

  public long stableIndex() {
    return log.stableIndex();
  }

  /**
   * Bytes of the log entries this core holds in memory ({@link Entry#sizeBytes} summed), for memory
   * budgets.
   */
  public long logBytes() {
    return log.bytes();
  }

  public String votedFor() {
    return votedFor;
  }

  @Override
  public String toString() {
    return id
        + "{"
        + role
        + " term="
        + term
        + " leader="
        + leader
        + " last="
        + log.lastIndex()
        + " commit="
        + log.committed()
        + " stable="
        + log.stableIndex()
        + "}";
  }
}
