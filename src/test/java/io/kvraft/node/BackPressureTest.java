package io.kvraft.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A leader whose disk stops answering keeps at most its back-pressure bounds of unfinished work:
 * beyond them new proposals and reads fail at once with {@link OverloadedException}, and everything
 * it did accept completes once the disk answers again, with nothing lost and nothing refused
 * applied.
 */
class BackPressureTest {
  @RegisterExtension final GatedNode solo = new GatedNode();
  private final GatedStorage disk = solo.disk().stall();
  private final List<String> applied = new CopyOnWriteArrayList<>();
  private final AtomicInteger rejectedProposals = new AtomicInteger();
  private final AtomicInteger rejectedReads = new AtomicInteger();
  private RaftNode node;

  /**
   * A single-node cluster whose disk is stalled from the start: it leads at once but commits
   * nothing.
   */
  private RaftNode stalledLeader(BackPressure limits) throws Exception {
    node =
        solo.startLeader(
            e -> {
              String cmd = new String(e.data(), StandardCharsets.UTF_8);
              applied.add(cmd);
              return cmd;
            },
            n -> {
              n.setBackPressure(limits);
              n.setMetrics(
                  new NodeMetrics() {
                    @Override
                    public void proposalRejected() {
                      rejectedProposals.incrementAndGet();
                    }

                    @Override
                    public void readRejected() {
                      rejectedReads.incrementAndGet();
                    }
                  });
            });
    return node;
  }

  @Test
  void proposalsBeyondTheCountBoundFailAtOnceAndTheAcceptedOnesAllCompleteAfterTheDiskAnswers()
      throws Exception {
    stalledLeader(new BackPressure(50, 64L << 20, 100));
    List<CompletableFuture<Object>> accepted = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      accepted.add(node.propose(("ok-" + i).getBytes(StandardCharsets.UTF_8)));
    }
    List<CompletableFuture<Object>> refused = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      refused.add(node.propose(("refused-" + i).getBytes(StandardCharsets.UTF_8)));
    }
    // Refused in the calling thread, before anything is queued: no waiting involved.
    assertThat(refused).allSatisfy(f -> assertThat(f).isCompletedExceptionally());
    assertThat(refused.get(0))
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(Exception.class)
        .withCauseInstanceOf(OverloadedException.class);
    assertThat(rejectedProposals).hasValue(20);
    assertThat(node.pendingProposals()[0]).isEqualTo(50);
    assertThat(accepted).noneSatisfy(f -> assertThat(f).isDone());

    disk.resume();
    CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).get();
    Set<Object> results = ConcurrentHashMap.newKeySet();
    for (CompletableFuture<Object> f : accepted) {
      results.add(f.get());
    }
    assertThat(results).hasSize(50);
    assertThat(applied).filteredOn(c -> c.startsWith("ok-")).hasSize(50);
    assertThat(applied).noneMatch(c -> c.startsWith("refused-"));
    await().atMost(Duration.ofSeconds(5)).until(() -> node.pendingProposals()[0] == 0);
    assertThat(node.pendingProposals()[1]).isZero();
    assertThat(node.propose("after".getBytes(StandardCharsets.UTF_8)).get()).isEqualTo("after");
  }

  @Test
  void theByteBoundRefusesWhatWouldNotFitButLetsSmallerCommandsIn() throws Exception {
    stalledLeader(new BackPressure(1000, 1000, 100));
    CompletableFuture<Object> a = node.propose(new byte[400]);
    CompletableFuture<Object> b = node.propose(new byte[400]);
    CompletableFuture<Object> tooBig = node.propose(new byte[300]);
    CompletableFuture<Object> fits = node.propose(new byte[200]);
    assertThat(tooBig).isCompletedExceptionally();
    assertThat(List.of(a, b, fits)).noneSatisfy(f -> assertThat(f).isDone());
    assertThat(node.pendingProposals()).containsExactly(3, 1000);
    disk.resume();
    CompletableFuture.allOf(a, b, fits).get();
    await().atMost(Duration.ofSeconds(5)).until(() -> node.pendingProposals()[0] == 0);
    // A lone command larger than the whole byte bound still goes through on an idle leader.
    assertThat(node.propose(new byte[5000]).get()).isNotNull();
  }

  @Test
  void readsBeyondTheBoundFailAtOnceAndTheAcceptedOnesAreAnsweredAfterTheDiskAnswers()
      throws Exception {
    stalledLeader(new BackPressure(100, 64L << 20, 5));
    // The leader has not committed an entry of its term yet, so it cannot confirm a read index.
    List<CompletableFuture<Long>> reads = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      reads.add(node.readBarrier());
    }
    CompletableFuture<Long> refused = node.readBarrier();
    assertThat(refused)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(Exception.class)
        .withCauseInstanceOf(OverloadedException.class);
    assertThat(rejectedReads).hasValue(1);
    assertThat(reads).noneSatisfy(f -> assertThat(f).isDone());
    disk.resume();
    CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).get();
    assertThat(node.readBarrier().get()).isPositive();
  }
}
