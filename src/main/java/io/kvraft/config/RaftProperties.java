package io.kvraft.config;

import io.kvraft.node.BackPressure;
import io.kvraft.node.MemoryBudget;
import io.kvraft.raft.log.FileRaftStorage;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code raft.*} settings. With no {@code raft.peers} the node forms a single-node cluster of
 * itself, reachable at its own server port, so {@code java -jar kvraft.jar} just works.
 *
 * @param nodeId this node's id; must appear in {@code peers} when peers are given
 * @param peers every member as {@code id=url} pairs separated by commas, this node included; a node
 *     reaches each peer at exactly the URL its own list gives
 * @param dataDir where the log and hard state live; locked against a second process
 * @param tickInterval one Raft tick; election and heartbeat timeouts are counted in ticks
 * @param electionTicks election timeout in ticks (randomised in [n, 2n))
 * @param heartbeatTicks leader heartbeat period in ticks
 * @param fsync force writes to disk before acknowledging them; only tests may turn it off
 * @param clusterToken shared secret required on /raft/* when set
 * @param peerTimeout connect/read timeout of node-to-node HTTP calls
 * @param segmentBytes a log segment file is closed and a new one started past this size
 * @param maxPendingProposals the leader refuses new writes (503, Retry-After) while this many are
 *     unapplied
 * @param maxPendingBytes ... or while their commands add up to this many bytes (default: half the
 *     memory budget)
 * @param memoryBudgetBytes the member refuses writes and relays (503 Overloaded) while the client
 *     data it holds in memory (proposals, the Raft log kept in memory, AppendEntries received,
 *     writes being relayed) would pass this (default: an eighth of the heap, {@code
 *     Runtime.maxMemory() / 8}; see {@link MemoryBudget})
 * @param maxPendingReads a node refuses new linearizable reads (503) while this many wait for
 *     confirmation
 * @param snapshot {@code raft.snapshot.*}: when to snapshot and compact the log, and how snapshots
 *     are shipped
 */
@ConfigurationProperties(prefix = "raft")
public record RaftProperties(
    String nodeId,
    String peers,
    String dataDir,
    Duration tickInterval,
    Integer electionTicks,
    Integer heartbeatTicks,
    Integer maxEntriesPerAppend,
    Long maxBytesPerAppend,
    Integer maxInflightAppends,
    Boolean fsync,
    String clusterToken,
    Duration peerTimeout,
    Long segmentBytes,
    Integer maxPendingProposals,
    Long maxPendingBytes,
    Integer maxPendingReads,
    Long memoryBudgetBytes,
    Snapshot snapshot) {

  /**
   * @param enabled snapshot and compact at all (default true)
   * @param thresholdBytes snapshot once this many bytes of log were applied since the last one
   *     (default 16 MiB, or a quarter of the default memory budget when that is less: the log since
   *     the last snapshot stays in memory)
   * @param interval also snapshot when this long has passed and something was applied (default 10
   *     minutes; 0 = off)
   * @param chunkBytes InstallSnapshot chunk size (default 1 MiB)
   * @param trailingEntries log entries kept in memory and on disk behind each snapshot (default
   *     5000, etcd's choice): a follower at most this far behind catches up by AppendEntries
   *     instead of receiving the whole snapshot; at most {@code thresholdBytes} of them (16 MiB
   *     when that is 0), so large values cannot blow it up
   */
  public record Snapshot(
      Boolean enabled,
      Long thresholdBytes,
      Duration interval,
      Integer chunkBytes,
      Integer trailingEntries) {
    public static final int DEFAULT_TRAILING_ENTRIES = 5000;

    public Snapshot {
      enabled = enabled == null || enabled;
      thresholdBytes = thresholdBytes == null ? defaultThresholdBytes() : thresholdBytes;
      interval = interval == null ? Duration.ofMinutes(10) : interval;
      chunkBytes = chunkBytes == null ? 1 << 20 : chunkBytes;
      trailingEntries = trailingEntries == null ? DEFAULT_TRAILING_ENTRIES : trailingEntries;
      if (thresholdBytes < 0 || interval.isNegative() || chunkBytes < 1 || trailingEntries < 0) {
        throw new IllegalArgumentException("raft.snapshot.* must not be negative");
      }
    }

    /** The most bytes the trailing entries may take: as much as the log between two snapshots. */
    public long trailingBytes() {
      return thresholdBytes > 0 ? thresholdBytes : defaultThresholdBytes();
    }

    /**
     * 16 MiB, or a quarter of the default memory budget on a heap too small for that (8 MiB at
     * -Xmx256m).
     */
    static long defaultThresholdBytes() {
      return Math.max(1L << 20, Math.min(16L << 20, MemoryBudget.defaultBytes() / 4));
    }
  }

  public RaftProperties {
    nodeId = nodeId == null || nodeId.isBlank() ? "n1" : nodeId.trim();
    dataDir = dataDir == null || dataDir.isBlank() ? "./data" : dataDir;
    tickInterval = tickInterval == null ? Duration.ofMillis(50) : tickInterval;
    electionTicks = electionTicks == null ? 20 : electionTicks;
    heartbeatTicks = heartbeatTicks == null ? 2 : heartbeatTicks;
    maxEntriesPerAppend = maxEntriesPerAppend == null ? 1024 : maxEntriesPerAppend;
    maxBytesPerAppend = maxBytesPerAppend == null ? 1L << 20 : maxBytesPerAppend;
    maxInflightAppends = maxInflightAppends == null ? 64 : maxInflightAppends;
    fsync = fsync == null || fsync;
    peerTimeout = peerTimeout == null ? Duration.ofSeconds(2) : peerTimeout;
    segmentBytes =
        segmentBytes == null ? FileRaftStorage.Options.DEFAULT_SEGMENT_BYTES : segmentBytes;
    maxPendingProposals =
        maxPendingProposals == null
            ? BackPressure.DEFAULTS.maxPendingProposals()
            : maxPendingProposals;
    memoryBudgetBytes = memoryBudgetBytes == null ? MemoryBudget.defaultBytes() : memoryBudgetBytes;
    maxPendingBytes =
        maxPendingBytes == null ? Math.max(1, memoryBudgetBytes / 2) : maxPendingBytes;
    maxPendingReads =
        maxPendingReads == null ? BackPressure.DEFAULTS.maxPendingReads() : maxPendingReads;
    snapshot = snapshot == null ? new Snapshot(null, null, null, null, null) : snapshot;
    if (memoryBudgetBytes < 1) {
      throw new IllegalArgumentException("raft.memory-budget-bytes must be positive");
    }
    if (tickInterval.isNegative() || tickInterval.isZero()) {
      throw new IllegalArgumentException("raft.tick-interval must be positive");
    }
  }

  /**
   * The bytes of messages one peer lane may queue: 16 appends, but at most an eighth of the memory
   * budget (messages share their entries with the log, so this bounds what outlives a compaction
   * while queued).
   */
  public long maxQueuedBytesPerPeer() {
    return Math.max(maxBytesPerAppend, Math.min(16 * maxBytesPerAppend, memoryBudgetBytes / 8));
  }

  public BackPressure backPressure() {
    return new BackPressure(maxPendingProposals, maxPendingBytes, maxPendingReads);
  }

  /**
   * The members as id to URL, in the order given; a single-node cluster of this node when none are
   * given.
   */
  public Map<String, String> members(int serverPort) {
    Map<String, String> out = new LinkedHashMap<>();
    if (peers == null || peers.isBlank()) {
      out.put(nodeId, "http://127.0.0.1:" + serverPort);
      return out;
    }
    for (String part : peers.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq <= 0 || eq == p.length() - 1) {
        throw new IllegalArgumentException(
            "raft.peers entry '" + p + "' is not id=url (example: n1=http://127.0.0.1:9001)");
      }
      String id = p.substring(0, eq).trim();
      String url = p.substring(eq + 1).trim();
      while (url.endsWith("/")) {
        url = url.substring(0, url.length() - 1);
      }
      if (out.put(id, url) != null) {
        throw new IllegalArgumentException("raft.peers names " + id + " twice");
      }
    }
    if (!out.containsKey(nodeId)) {
      throw new IllegalArgumentException(
          "raft.node-id '" + nodeId + "' is not among raft.peers " + out.keySet());
    }
    return out;
  }
}
