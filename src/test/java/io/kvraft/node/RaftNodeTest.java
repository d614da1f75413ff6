package io.kvraft.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kvraft.raft.Configuration;
import io.kvraft.raft.Entry;
import io.kvraft.raft.RaftConfig;
import io.kvraft.raft.Role;
import io.kvraft.raft.log.ForwardingRaftStorage;
import io.kvraft.raft.log.MemoryRaftStorage;
import io.kvraft.raft.log.RaftStorage;
import io.kvraft.transport.InMemoryNetwork;
import io.kvraft.transport.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The node adapter around the core: group commit, and a slow disk that must not look like a dead
 * node.
 */
class RaftNodeTest {
  private static final Duration TICK = Duration.ofMillis(10);
  private static final RaftConfig CONFIG =
      RaftConfig.defaults().withElectionTicks(15).withHeartbeatTicks(2);
  private final Map<String, RaftNode> nodes = new ConcurrentHashMap<>();
  private final InMemoryNetwork net = new InMemoryNetwork();

  /** Delegating storage whose fsync takes a while and is counted. */
  static final class SlowStorage extends ForwardingRaftStorage {
    final long syncMillis;
    final AtomicInteger syncs = new AtomicInteger();
    final AtomicInteger appendedEntries = new AtomicInteger();

    SlowStorage(long syncMillis) {
      super(new MemoryRaftStorage());
      this.syncMillis = syncMillis;
    }

    @Override
    public void append(List<Entry> entries) throws IOException {
      appendedEntries.addAndGet(entries.size());
      inner.append(entries);
    }

    @Override
    public void sync() throws IOException {
      syncs.incrementAndGet();
      try {
        Thread.sleep(syncMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      inner.sync();
    }
  }

  private RaftNode start(String id, List<String> members, RaftStorage storage) throws IOException {
    Transport direct = net.attach(id);
    RaftNode n =
        new RaftNode(
            id,
            Configuration.ofVoters(members),
            CONFIG,
            TICK,
            storage,
            direct,
            e -> e.index(),
            new Random(id.hashCode()));
    nodes.put(id, n);
    net.up(id, n::receive);
    n.start();
    return n;
  }

  @AfterEach
  void stop() {
    nodes.values().forEach(RaftNode::close);
    net.close();
  }

  private RaftNode awaitLeader() {
    await().atMost(Duration.ofSeconds(20)).until(() -> leaderOrNull() != null);
    return leaderOrNull();
  }

  private RaftNode leaderOrNull() {
    return nodes.values().stream()
        .filter(n -> n.status().role() == Role.LEADER)
        .findFirst()
        .orElse(null);
  }

  /**
   * A read of several values sees them between two applies, never halfway through the applies of a
   * batch: here every apply moves two counters one after the other, and every read sees them equal,
   * while writes are applied as fast as they come.
   */
  @Test
  void aReadAtOnePointSeesTheStateBetweenTwoApplies() throws Exception {
    long[] firstAndSecond = new long[2];
    Transport direct = net.attach("solo");
    RaftNode node =
        new RaftNode(
            "solo",
            Configuration.ofVoters(List.of("solo")),
            CONFIG,
            TICK,
            new MemoryRaftStorage(),
            direct,
            e -> {
              firstAndSecond[0]++;
              Thread.onSpinWait();
              firstAndSecond[1]++;
              return e.index();
            },
            new Random(1));
    nodes.put("solo", node);
    net.up("solo", node::receive);
    node.start();
    awaitLeader();
    List<CompletableFuture<Object>> writes = new ArrayList<>();
    List<CompletableFuture<long[]>> reads = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      writes.add(node.propose(("cmd" + i).getBytes()));
      if (i % 10 == 0) {
        reads.add(
            node.readAtOnePoint(
                () -> {
                  assertThat(Thread.currentThread().getName()).isEqualTo("raft-loop-solo");
                  return new long[] {firstAndSecond[0], firstAndSecond[1]};
                }));
      }
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get();
    for (CompletableFuture<long[]> r : reads) {
      long[] seen = r.get();
      assertThat(seen[0]).isEqualTo(seen[1]);
    }
    // Once every write is applied the barrier may complete before the read is attached: the read
    // still runs on the loop.
    assertThat(node.readAtOnePoint(() -> firstAndSecond[1]).get()).isGreaterThanOrEqualTo(3000);
  }

  @Test
  void concurrentProposalsShareFsyncs() throws Exception {
    SlowStorage disk = new SlowStorage(5);
    RaftNode node = start("solo", List.of("solo"), disk);
    awaitLeader();
    int before = disk.syncs.get();
    List<CompletableFuture<Object>> all = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      all.add(node.propose(("cmd" + i).getBytes()));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
    int syncs = disk.syncs.get() - before;
    // 400 proposals submitted at once: with group commit they ride on a handful of fsyncs, not 400.
    assertThat(syncs).isLessThan(100);
    assertThat(all).allSatisfy(f -> assertThat(f).isCompleted());
  }

  @Test
  void slowDisksDoNotTriggerElections() throws Exception {
    List<String> members = List.of("a", "b", "c");
    // Each fsync lasts longer than the whole election timeout (15-30 ticks of 10 ms).
    for (String id : members) {
      start(id, members, new SlowStorage(400));
    }
    RaftNode leader = awaitLeader();
    long term = leader.status().term();
    List<CompletableFuture<Object>> writes = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      for (int i = 0; i < 20; i++) {
        writes.add(leader.propose(("w" + round + "-" + i).getBytes()));
      }
      Thread.sleep(300);
    }
    // Bounded: if an election happened after all (a starved box), an entry of the old term that was
    // cut from the log waits for its index to be applied again; fail with the terms, don't hang.
    try {
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(
          "writes not all answered in 60 s; terms now "
              + nodes.values().stream().map(n -> n.id() + "=" + n.status().term()).toList()
              + ", started in "
              + term,
          e);
    }
    for (RaftNode n : nodes.values()) {
      assertThat(n.status().term()).as("term of %s", n.id()).isEqualTo(term);
    }
    assertThat(leader.status().role()).isEqualTo(Role.LEADER);
  }

  @Test
  void proposalToAFollowerNamesTheLeader() throws Exception {
    List<String> members = List.of("a", "b", "c");
    for (String id : members) {
      start(id, members, new MemoryRaftStorage());
    }
    RaftNode leader = awaitLeader();
    RaftNode follower = nodes.values().stream().filter(n -> n != leader).findFirst().orElseThrow();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> leader.id().equals(follower.status().leader()));
    CompletableFuture<Object> f = follower.propose("x".getBytes());
    assertThat(f)
        .failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(Exception.class)
        .withCauseInstanceOf(NotLeaderException.class);
    Long readIndex = follower.readBarrier().get();
    assertThat(readIndex).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aLeaderWhoseDiskFilledStopsClaimingToLeadOnceTheOthersElectAnother() throws Exception {
    List<String> members = List.of("a", "b", "c");
    Map<String, FillableStorage> disks = new ConcurrentHashMap<>();
    for (String id : members) {
      FillableStorage disk = new FillableStorage(new MemoryRaftStorage());
      disks.put(id, disk);
      start(id, members, disk);
    }
    RaftNode old = awaitLeader();
    long oldTerm = old.status().term();
    disks.get(old.id()).fill();
    // Its next write fails: a proposal is enough to make it write.
    old.propose("x".getBytes());
    await().atMost(Duration.ofSeconds(10)).until(() -> !old.status().healthy());

    RaftNode next =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    nodes.values().stream()
                        .filter(n -> n != old && n.status().role() == Role.LEADER)
                        .findFirst()
                        .orElse(null),
                java.util.Objects::nonNull);
    assertThat(next.status().term()).isGreaterThan(oldTerm);
    NodeStatus failed = old.status();
    // Health, the Raft-Leader header and the role gauge all read this: none may send clients to the
    // failed node.
    assertThat(failed.role()).isNotEqualTo(Role.LEADER);
    assertThat(failed.leader()).isNull();
    assertThat(failed.failure()).contains("No space left on device");
    assertThat(old.propose("y".getBytes()))
        .failsWithin(Duration.ofSeconds(5))
        .withThrowableOfType(Exception.class)
        .withCauseInstanceOf(UnavailableException.class);
  }
}
