package io.kvraft.node;

import static io.kvraft.testing.TestFiles.flipBits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kvraft.kv.KvApplier;
import io.kvraft.kv.KvCommand;
import io.kvraft.kv.KvCommandCodec;
import io.kvraft.kv.KvStateMachine;
import io.kvraft.kv.Precondition;
import io.kvraft.raft.Configuration;
import io.kvraft.raft.Entry;
import io.kvraft.raft.RaftConfig;
import io.kvraft.raft.Role;
import io.kvraft.raft.log.CorruptLogException;
import io.kvraft.raft.log.FileRaftStorage;
import io.kvraft.raft.log.SnapshotStore;
import io.kvraft.transport.InMemoryNetwork;
import io.kvraft.transport.SnapshotChunk;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots on real nodes over file storage: size-triggered snapshots compact the log, a follower
 * cut off while the leader compacted catches up through chunked, resumable InstallSnapshot, and a
 * restart loads the newest valid snapshot and replays only the log after it.
 */
class SnapshotNodeTest {
  private static final Duration TICK = Duration.ofMillis(10);
  private static final RaftConfig CONFIG =
      RaftConfig.defaults().withElectionTicks(20).withHeartbeatTicks(2);
  private static final List<String> MEMBERS = List.of("a", "b", "c");
  private static final SnapshotPolicy POLICY =
      SnapshotPolicy.of(3_000, Duration.ZERO).withChunkBytes(64);

  @TempDir Path tmp;

  /** The policy nodes start with; a test may change it before starting them. */
  private SnapshotPolicy policy = POLICY;

  private final Map<String, RaftNode> nodes = new ConcurrentHashMap<>();
  private final Map<String, KvStateMachine> machines = new ConcurrentHashMap<>();

  /**
   * Between the nodes; a node cut off from everyone (both directions) is {@link
   * InMemoryNetwork#disconnect}ed.
   */
  private final InMemoryNetwork net = new InMemoryNetwork();

  /** Lowest index applied entry by entry since each node's last (re)start. */
  private final Map<String, AtomicLong> firstApplied = new ConcurrentHashMap<>();

  /** Drop every chunk whose sequence number is in this set (to lose chunks mid-transfer). */
  private final Set<Integer> dropChunks = ConcurrentHashMap.newKeySet();

  /**
   * When set, this node is cut off from everyone once it has delivered {@link #chunksBeforeCut}
   * more data chunks.
   */
  private volatile String cutSender;

  private final AtomicInteger chunksBeforeCut = new AtomicInteger();

  /** Whether the receiver held a partial snapshot file when the sender was cut off. */
  private volatile boolean partialAtCut;

  /** Runs on the sender's thread before each chunk is delivered. */
  private volatile java.util.function.Consumer<SnapshotChunk> beforeChunk = c -> {};

  {
    // Every chunk passes here, numbered, on its sender's thread before it travels.
    net.onChunk(
        (chunk, seq) -> {
          beforeChunk.accept(chunk);
          if (chunk.from().equals(cutSender)
              && chunk.data().length > 0
              && chunksBeforeCut.getAndDecrement() <= 0) {
            partialAtCut = hasPartial(chunk.to());
            net.disconnect(chunk.from());
            cutSender = null;
          }
          return dropChunks.contains(seq);
        });
  }

  private RaftNode start(String id) throws IOException {
    Path dir = tmp.resolve(id);
    KvStateMachine sm = new KvStateMachine();
    AtomicLong first = new AtomicLong(Long.MAX_VALUE);
    KvApplier kv = new KvApplier(sm);
    Applier counting =
        new Applier() {
          @Override
          public Object apply(Entry entry) {
            first.accumulateAndGet(entry.index(), Math::min);
            return kv.apply(entry);
          }

          @Override
          public Image capture() {
            return kv.capture();
          }

          @Override
          public Loaded load(java.io.InputStream in) throws IOException {
            return kv.load(in);
          }
        };
    RaftNode n =
        new RaftNode(
            id,
            Configuration.ofVoters(MEMBERS),
            CONFIG,
            TICK,
            FileRaftStorage.open(dir, FileRaftStorage.Options.defaults().withFsync(false)),
            net.attach(id),
            counting,
            new Random(id.hashCode() + nodes.size()),
            SnapshotStore.open(dir, false),
            policy);
    machines.put(id, sm);
    firstApplied.put(id, first);
    nodes.put(id, n);
    net.up(id, n::receive, n::receiveSnapshotChunk);
    n.start();
    return n;
  }

  @AfterEach
  void stopAll() {
    nodes.values().forEach(RaftNode::close);
    net.close();
  }

  private RaftNode awaitLeader() {
    for (RaftNode n : nodes.values()) {
      // Most calls find one at once; Awaitility would first sleep its poll interval.
      if (net.isConnected(n.id()) && n.status().role() == Role.LEADER) {
        return n;
      }
    }
    RaftNode[] found = new RaftNode[1];
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> {
              for (RaftNode n : nodes.values()) {
                if (net.isConnected(n.id()) && n.status().role() == Role.LEADER) {
                  found[0] = n;
                  return true;
                }
              }
              return false;
            });
    return found[0];
  }

  /**
   * Writes {@code count} puts through whichever node leads, retrying as a client would. Without a
   * session: a put re-applied with the same value changes nothing these tests compare.
   */
  private void write(int from, int count) throws Exception {
    for (int i = from; i < from + count; i++) {
      byte[] cmd =
          KvCommandCodec.encode(
              new KvCommand.Put(
                  null,
                  0,
                  1_000 + i,
                  "k" + (i % 20),
                  ("value-" + i).getBytes(StandardCharsets.UTF_8),
                  Precondition.none()));
      while (true) {
        try {
          awaitLeader().propose(cmd).get(5, TimeUnit.SECONDS);
          break;
        } catch (Exception e) {
          Thread.sleep(20);
        }
      }
    }
  }

  private static byte[] image(KvStateMachine sm) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    sm.writeSnapshot(out);
    return out.toByteArray();
  }

  private void awaitSameState() {
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              byte[] expected = image(machines.get("a"));
              for (String id : MEMBERS) {
                assertThat(image(machines.get(id))).as("state of %s", id).isEqualTo(expected);
              }
            });
  }

  @Test
  void laggingFollowerCatchesUpThroughChunkedInstallSnapshotAndRestartsFromIt() throws Exception {
    for (String id : MEMBERS) {
      start(id);
    }
    RaftNode leader = awaitLeader();
    String lagging =
        MEMBERS.stream().filter(id -> !id.equals(leader.id())).findFirst().orElseThrow();
    net.disconnect(lagging);
    write(0, 200);
    // The majority snapshots and compacts although the lagging follower has none of it
    // (TestSnapshotRPC).
    RaftNode l = awaitLeader();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> l.status().lastApplied() > 0 && l.latestSnapshot() != null);
    assertThat(l.snapshotCounts()[0]).isGreaterThanOrEqualTo(2);

    // Lose the third and fourth chunk of the transfer: it resumes instead of starting over.
    int before = net.chunksSent();
    dropChunks.add(before + 3);
    dropChunks.add(before + 4);
    net.connect(lagging);
    write(200, 5);
    awaitSameState();
    assertThat(nodes.get(lagging).snapshotCounts()[1])
        .as("snapshots installed on %s", lagging)
        .isGreaterThan(0);
    long snapshotBytes = l.latestSnapshot().length();
    assertThat(net.chunkBytesDelivered())
        .as("bytes shipped for a %d-byte snapshot", snapshotBytes)
        .isLessThan(3 * snapshotBytes + 3L * POLICY.chunkBytes());

    // Restart the follower: it loads its newest snapshot and applies only entries after it.
    RaftNode f = nodes.remove(lagging);
    f.close();
    RaftNode again = start(lagging);
    long snapshotIndex = again.latestSnapshot().index();
    assertThat(again.status().lastApplied()).isGreaterThanOrEqualTo(snapshotIndex);
    write(205, 5);
    awaitSameState();
    assertThat(firstApplied.get(lagging).get()).isGreaterThan(snapshotIndex);
  }

  @Test
  void aFollowerFewerThanTheTrailingEntriesBehindGetsEntriesNotASnapshot() throws Exception {
    policy = POLICY.withTrailing(200, Long.MAX_VALUE);
    for (String id : MEMBERS) {
      start(id);
    }
    write(0, 300);
    awaitSameState();
    RaftNode leader = awaitLeader();
    String lagging =
        MEMBERS.stream().filter(id -> !id.equals(leader.id())).findFirst().orElseThrow();
    RaftNode f = nodes.get(lagging);
    long behindFrom = f.status().lastIndex();

    // 150 writes (~6 KB of log): the others snapshot and compact while the follower misses all of
    // them, but the 200 entries they keep behind each snapshot still reach back to the follower's
    // log.
    net.disconnect(lagging);
    write(300, 150);
    RaftNode l = awaitLeader();
    await().atMost(Duration.ofSeconds(10)).until(() -> l.latestSnapshot().index() > behindFrom);
    net.connect(lagging);
    write(450, 5);
    awaitSameState();
    assertThat(f.snapshotCounts()[1]).as("snapshots installed on %s", lagging).isZero();

    // Further behind than the tail: now it takes a snapshot.
    net.disconnect(lagging);
    write(455, 400);
    RaftNode l2 = awaitLeader();
    long farBehind = f.status().lastIndex();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> l2.latestSnapshot().index() > farBehind + 200);
    net.connect(lagging);
    write(855, 5);
    awaitSameState();
    assertThat(f.snapshotCounts()[1]).as("snapshots installed on %s", lagging).isGreaterThan(0);
  }

  @Test
  void aRestartKeepsTheTrailingEntriesButAppliesOnlyWhatFollowsTheSnapshot() throws Exception {
    policy = POLICY.withTrailing(100, Long.MAX_VALUE);
    for (String id : MEMBERS) {
      start(id);
    }
    write(0, 200);
    awaitSameState();
    RaftNode victim = nodes.get("c");
    await().atMost(Duration.ofSeconds(10)).until(() -> victim.snapshotCounts()[0] >= 2);
    victim.close();
    nodes.remove("c");

    RaftNode again = start("c");
    long snapshotIndex = again.latestSnapshot().index();
    assertThat(again.status().lastApplied()).isEqualTo(snapshotIndex);
    write(200, 5);
    awaitSameState();
    // Entries in the kept tail are not applied a second time on top of the snapshot.
    assertThat(firstApplied.get("c").get()).isEqualTo(snapshotIndex + 1);
  }

  private boolean hasPartial(String id) {
    try (java.util.stream.Stream<Path> files =
        java.nio.file.Files.list(tmp.resolve(id).resolve(SnapshotStore.DIR_NAME))) {
      return files.anyMatch(p -> p.getFileName().toString().endsWith(".part"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aLeaderChangeInTheMiddleOfASnapshotTransferEndsWithTheNewLeadersSnapshot() throws Exception {
    for (String id : MEMBERS) {
      start(id);
    }
    RaftNode first = awaitLeader();
    String lagging =
        MEMBERS.stream().filter(id -> !id.equals(first.id())).findFirst().orElseThrow();
    net.disconnect(lagging);
    write(0, 200);
    RaftNode a = awaitLeader();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> a.latestSnapshot() != null && a.snapshotCounts()[0] >= 2);

    // The follower comes back; after three chunks of the old leader's snapshot the old leader is
    // cut off.
    chunksBeforeCut.set(3);
    cutSender = a.id();
    net.connect(lagging);
    await().atMost(Duration.ofSeconds(20)).until(() -> !net.isConnected(a.id()));
    assertThat(partialAtCut).as("the follower held part of the old leader's snapshot").isTrue();

    RaftNode b = awaitLeader();
    assertThat(b.id()).isNotEqualTo(a.id()).isNotEqualTo(lagging);
    RaftNode f = nodes.get(lagging);
    await().atMost(Duration.ofSeconds(30)).until(() -> f.snapshotCounts()[1] > 0);
    write(200, 5);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> assertThat(image(machines.get(lagging))).isEqualTo(image(machines.get(b.id()))));
    // What the follower installed is, byte for byte, a snapshot the new leader has: nothing of a
    // mix.
    SnapshotStore.Meta installed = f.latestSnapshot();
    Path leaders =
        tmp.resolve(b.id()).resolve(SnapshotStore.DIR_NAME).resolve(installed.path().getFileName());
    assertThat(leaders).exists();
    assertThat(java.nio.file.Files.readAllBytes(installed.path()))
        .isEqualTo(java.nio.file.Files.readAllBytes(leaders));
    assertThat(hasPartial(lagging)).isFalse();
  }

  /**
   * Issue 12's livelock in small: the leader writes two newer snapshots while it sends one, so the
   * one being sent is pruned halfway. The transfer must still finish, and the follower end with the
   * leader's state.
   */
  @Test
  void aSnapshotPrunedWhileItIsBeingSentStillBringsTheFollowerUpToDate() throws Exception {
    for (String id : MEMBERS) {
      start(id);
    }
    RaftNode first = awaitLeader();
    String lagging =
        MEMBERS.stream().filter(id -> !id.equals(first.id())).findFirst().orElseThrow();
    net.disconnect(lagging);
    write(0, 200);
    RaftNode l = awaitLeader();
    await().atMost(Duration.ofSeconds(10)).until(() -> l.snapshotCounts()[0] >= 2);

    java.util.concurrent.atomic.AtomicReference<Path> pruned =
        new java.util.concurrent.atomic.AtomicReference<>();
    // Set once the file was seen gone: the checks below must not race the hook still writing on the
    // sender's thread.
    java.util.concurrent.atomic.AtomicBoolean prunedWhileSending =
        new java.util.concurrent.atomic.AtomicBoolean();
    beforeChunk =
        chunk -> {
          if (chunk.data().length == 0 || !chunk.from().equals(l.id()) || pruned.get() != null) {
            return;
          }
          Path sending = snapshotFile(l.id(), chunk.snapshotIndex(), chunk.snapshotTerm());
          pruned.set(sending);
          try {
            // ~16 KB of log at a 3 KB threshold: several newer snapshots, and the newest two are
            // all that is kept.
            write(1_000, 300);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
          await().atMost(Duration.ofSeconds(10)).until(() -> !java.nio.file.Files.exists(sending));
          prunedWhileSending.set(true);
        };
    net.connect(lagging);
    write(200, 5);
    await().atMost(Duration.ofSeconds(30)).untilTrue(prunedWhileSending);
    awaitSameState();
    RaftNode f = nodes.get(lagging);
    assertThat(f.snapshotCounts()[1]).as("snapshots installed on %s", lagging).isGreaterThan(0);
    assertThat(f.status().lastApplied()).isEqualTo(l.status().lastApplied());
    assertThat(pruned.get()).as("the snapshot that was being sent").doesNotExist();
  }

  /**
   * Someone deleted the leader's newest snapshot file: the leader writes a new one and sends that.
   */
  @Test
  void aLeaderWhoseNewestSnapshotFileWasDeletedWritesANewOneForAFollower() throws Exception {
    for (String id : MEMBERS) {
      start(id);
    }
    RaftNode first = awaitLeader();
    String lagging =
        MEMBERS.stream().filter(id -> !id.equals(first.id())).findFirst().orElseThrow();
    net.disconnect(lagging);
    write(0, 200);
    RaftNode l = awaitLeader();
    await().atMost(Duration.ofSeconds(10)).until(() -> l.snapshotCounts()[0] >= 2);
    // Quiet now, so the leader has no reason of its own to snapshot again.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> l.latestSnapshot().index() == lastSnapshotOnDisk(l.id()));
    SnapshotStore.Meta deleted = l.latestSnapshot();
    java.nio.file.Files.delete(deleted.path());

    net.connect(lagging);
    awaitSameState();
    RaftNode f = nodes.get(lagging);
    assertThat(f.snapshotCounts()[1]).as("snapshots installed on %s", lagging).isGreaterThan(0);
    assertThat(f.latestSnapshot().index()).isGreaterThanOrEqualTo(deleted.index());
    assertThat(l.latestSnapshot().path()).exists();
    write(200, 5);
    awaitSameState();
  }

  private Path snapshotFile(String id, long index, long term) {
    return tmp.resolve(id)
        .resolve(SnapshotStore.DIR_NAME)
        .resolve(String.format("snap-%020d-%020d.snap", index, term));
  }

  private long lastSnapshotOnDisk(String id) throws IOException {
    return SnapshotStore.open(tmp.resolve(id), false).list().get(0).index();
  }

  @Test
  void aDamagedNewestSnapshotIsSkippedAtRestartAndTheLogIsReplayedFromThePreviousOne()
      throws Exception {
    for (String id : MEMBERS) {
      start(id);
    }
    write(0, 150);
    awaitSameState();
    RaftNode victim = nodes.get("c");
    await().atMost(Duration.ofSeconds(10)).until(() -> victim.snapshotCounts()[0] >= 2);
    victim.close();
    nodes.remove("c");
    SnapshotStore store = SnapshotStore.open(tmp.resolve("c"), false);
    List<SnapshotStore.Meta> kept = store.list();
    assertThat(kept).hasSize(2);
    flipBits(kept.get(0).path(), kept.get(0).length() - 10, 0x40);

    RaftNode again = start("c");
    assertThat(again.status().lastApplied()).isGreaterThanOrEqualTo(kept.get(1).index());
    write(150, 5);
    awaitSameState();
    assertThat(firstApplied.get("c").get()).isEqualTo(kept.get(1).index() + 1);
  }

  @Test
  void withBothSnapshotsDamagedTheNodeRefusesToStart() throws Exception {
    for (String id : MEMBERS) {
      start(id);
    }
    write(0, 250);
    RaftNode victim = nodes.get("c");
    await().atMost(Duration.ofSeconds(10)).until(() -> victim.snapshotCounts()[0] >= 3);
    victim.close();
    nodes.remove("c");
    for (SnapshotStore.Meta m : SnapshotStore.open(tmp.resolve("c"), false).list()) {
      flipBits(m.path(), m.length() - 10, 0x40);
    }
    assertThatThrownBy(() -> start("c"))
        .isInstanceOf(CorruptLogException.class)
        .hasMessageContaining("snapshot");
  }
}
