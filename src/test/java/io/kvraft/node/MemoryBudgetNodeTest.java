package io.kvraft.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The node's side of the member memory budget (issue 12): a proposal holds a reservation until its
 * entry is in the log, the log's bytes count from then on, a write that does not fit is refused at
 * once with {@link OverloadedException}, and whatever happens to a proposal (applied, refused, not
 * the leader) its reservation comes back: after a storm nothing stays reserved.
 */
class MemoryBudgetNodeTest {
  @RegisterExtension final GatedNode gated = new GatedNode();
  private final GatedStorage disk = gated.disk();
  private final List<byte[]> applied = new CopyOnWriteArrayList<>();
  private final Applier record =
      e -> {
        applied.add(e.data());
        return e.index();
      };
  private RaftNode node;

  private RaftNode node(String id, List<String> members, MemoryBudget budget, BackPressure limits)
      throws Exception {
    node = gated.start(id, members, record, n -> limit(n, budget, limits));
    return node;
  }

  private RaftNode leader(MemoryBudget budget) throws Exception {
    BackPressure limits = new BackPressure(10_000, 1L << 30, 100);
    node = gated.startLeader(record, n -> limit(n, budget, limits));
    return node;
  }

  private static void limit(RaftNode n, MemoryBudget budget, BackPressure limits) {
    n.setBackPressure(limits);
    n.setMemoryBudget(budget);
  }

  /**
   * Proposes and waits until its reservation has moved into the log's bytes, so each check sees a
   * settled node.
   */
  private CompletableFuture<Object> proposeSettled(int bytes) {
    CompletableFuture<Object> f = node.propose(new byte[bytes]);
    await().atMost(Duration.ofSeconds(10)).until(() -> node.memoryBudget().reservedBytes() == 0);
    return f;
  }

  @Test
  void aWriteThatWouldPassTheBudgetIsRefusedAtOnceAndTheHeldOnesCompleteOnceTheDiskAnswers()
      throws Exception {
    leader(new MemoryBudget(10_000));
    disk.stall();
    List<CompletableFuture<Object>> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      held.add(proposeSettled(3000));
    }
    assertThat(node.memoryBudget().usedBytes())
        .as("three unapplied entries in the log")
        .isGreaterThan(9000);

    CompletableFuture<Object> refused = node.propose(new byte[3000]);
    assertThat(refused)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(OverloadedException.class)
        .withMessageContaining("budget is 9 KiB");
    assertThat(node.pendingProposals())
        .as("the refused one is not pending")
        .containsExactly(3, 9000);
    assertThat(held).noneSatisfy(f -> assertThat(f).isDone());

    disk.resume();
    CompletableFuture.allOf(held.toArray(CompletableFuture[]::new)).get();
    assertThat(applied).filteredOn(d -> d.length == 3000).hasSize(3);
    await().atMost(Duration.ofSeconds(5)).until(() -> node.pendingProposals()[0] == 0);
    assertThat(node.memoryBudget().reservedBytes()).isZero();
  }

  @Test
  void theLogKeptInMemoryCountsUntilItIsCompacted() throws Exception {
    leader(new MemoryBudget(10_000));
    // No snapshots on this node, so applied entries stay in its log: the budget keeps counting
    // them.
    proposeSettled(4000).get();
    proposeSettled(4000).get();
    assertThat(node.memoryBudget().usedBytes()).isGreaterThan(8000);
    assertThat(node.propose(new byte[4000]))
        .as("idle, so let in though the log alone fills the budget")
        .succeedsWithin(Duration.ofSeconds(10));
    disk.stall();
    CompletableFuture<Object> held = proposeSettled(100);
    assertThat(node.propose(new byte[100]))
        .as("not idle: one write is unapplied")
        .isCompletedExceptionally();
    disk.resume();
    assertThat(held).succeedsWithin(Duration.ofSeconds(10));
  }

  @Test
  void aNodeThatIsNotLeaderGivesTheReservationBack() throws Exception {
    // A member of two whose peer never answers: it cannot win an election, so every proposal is
    // NotLeader.
    node("a", List.of("a", "b"), new MemoryBudget(10_000), new BackPressure(100, 1L << 30, 100));
    CompletableFuture<Object> f = node.propose(new byte[5000]);
    assertThat(f)
        .failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(NotLeaderException.class);
    assertThat(node.memoryBudget().reservedBytes()).isZero();
    assertThat(node.pendingProposals()).containsExactly(0, 0);
  }

  @Test
  void afterAStormOfWritesNothingStaysReserved() throws Exception {
    leader(new MemoryBudget(200_000));
    disk.stall();
    AtomicInteger overloaded = new AtomicInteger();
    List<CompletableFuture<Object>> all = new CopyOnWriteArrayList<>();
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      Random random = new Random(t);
      Thread w =
          new Thread(
              () -> {
                for (int i = 0; i < 200; i++) {
                  CompletableFuture<Object> f = node.propose(new byte[1 + random.nextInt(20_000)]);
                  all.add(f);
                  if (i == 100 && random.nextInt(8) == 0) {
                    disk.resume();
                  }
                }
              });
      writers.add(w);
      w.start();
    }
    for (Thread w : writers) {
      w.join();
    }
    disk.resume();
    for (CompletableFuture<Object> f : all) {
      try {
        f.get();
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(OverloadedException.class);
        overloaded.incrementAndGet();
      }
    }
    assertThat(overloaded).as("a stalled disk under 8 writers fills 200 KB").hasPositiveValue();
    assertThat(applied.stream().filter(d -> d.length > 0).count())
        .as("every write not refused was applied")
        .isEqualTo(all.size() - overloaded.get());
    await().atMost(Duration.ofSeconds(5)).until(() -> node.pendingProposals()[0] == 0);
    assertThat(node.pendingProposals()).containsExactly(0, 0);
    assertThat(node.memoryBudget().reservedBytes()).isZero();
  }
}
