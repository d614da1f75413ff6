package io.kvraft.kv;

import static io.kvraft.kv.KvSessionTest.snapshot;
import static io.kvraft.kv.KvStateMachineTest.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class StateHashesTest {
  private static final long TTL = 1_000;

  /** As configured as the replicas it is compared with: session settings decide evictions. */
  private static KvStateMachine restore(byte[] image) throws IOException {
    KvStateMachine sm = new KvStateMachine(TTL, 8, 0);
    sm.restore(KvStateMachine.readSnapshot(new ByteArrayInputStream(image), TTL, 8, 0));
    return sm;
  }

  /**
   * Members configured with different session limits apply the same log to different states (a full
   * table evicts on one and refuses on another): the hash tells, as it must.
   */
  @Test
  void membersWithDifferentSessionSettingsDivergeAndTheHashSaysSo() {
    List<KvCommand> log = KvSessionTest.randomLog(new Random(8), 2_000);
    KvStateMachine a = new KvStateMachine(TTL, 8, 0);
    KvStateMachine b = new KvStateMachine(TTL, 8, 300_000);
    boolean differed = false;
    for (int i = 0; i < log.size(); i++) {
      KvResult ra = a.apply(i + 1, log.get(i));
      KvResult rb = b.apply(i + 1, log.get(i));
      differed |= !ra.equals(rb);
      if (differed) {
        assertThat(b.hashes().at(i + 1)).isNotEqualTo(a.hashes().at(i + 1));
        return;
      }
    }
    throw new AssertionError("the log never made the two configurations answer differently");
  }

  private static long latest(KvStateMachine sm) {
    return sm.hashes().latest().orElseThrow().hash();
  }

  /**
   * The hash kept up to date write by write (sessions registered, expired and evicted, keys put,
   * appended and deleted) equals the hash computed from scratch from a snapshot of the same state,
   * at every index: the incremental sums never drift, and a replica that installed a snapshot
   * agrees with one that applied the log.
   */
  @Test
  void hashFollowedWriteByWriteEqualsTheHashOfASnapshotOfTheSameState() throws IOException {
    List<KvCommand> log = KvSessionTest.randomLog(new Random(5), 3_000);
    KvStateMachine sm = new KvStateMachine(TTL, 8, 0);
    for (int i = 0; i < log.size(); i++) {
      sm.apply(i + 1, log.get(i));
      if (i % 37 == 0) {
        KvStateMachine restored = restore(snapshot(sm));
        assertThat(latest(restored)).as("index %d", i + 1).isEqualTo(latest(sm));
      }
    }
    assertThat(sm.sessionsView()).isNotEmpty();
  }

  @Test
  void replicasApplyingTheSameLogAgreeAtEveryIndexWhicheverWayTheyStarted() throws IOException {
    List<KvCommand> log = KvSessionTest.randomLog(new Random(8), 2_000);
    KvStateMachine a = new KvStateMachine(TTL, 8, 0);
    for (int i = 0; i < 1_000; i++) {
      a.apply(i + 1, log.get(i));
    }
    KvStateMachine b = restore(snapshot(a));
    for (int i = 1_000; i < log.size(); i++) {
      a.apply(i + 1, log.get(i));
      b.apply(i + 1, log.get(i));
      assertThat(b.hashes().at(i + 1)).isEqualTo(a.hashes().at(i + 1));
    }
  }

  /** Each field a replica could get wrong changes the hash. */
  @Test
  void anyDifferenceInTheStateChangesTheHash() throws IOException {
    KvStateMachine sm = new KvStateMachine(TTL, 8, 0);
    sm.apply(1, new KvCommand.Register(10));
    sm.apply(2, new KvCommand.Put("1", 1, 20, "a", b("hello"), Precondition.none()));
    sm.apply(3, new KvCommand.Put(null, 0, 30, "b", b("world"), Precondition.none()));
    byte[] image = snapshot(sm);
    long original = latest(restore(image));
    assertThat(original).isEqualTo(latest(sm));

    List<Consumer<SnapshotForger.State>> changes =
        List.of(
            s -> s.data.put("a", new Versioned(b("hellp"), 2)), // one bit of a value
            s -> s.data.put("a", new Versioned(b("hello"), 1)), // a revision
            s -> s.data.put("a", new Versioned(b("hello!"), 2)), // a longer value
            s -> s.data.remove("b"), // a key lost
            s -> s.data.put("c", new Versioned(b(""), 3)), // a key too many
            s -> s.data.put("b ", s.data.remove("b")), // a key renamed
            SnapshotForger.State::dropOldestSession, // a session lost
            s -> s.clock++); // the session clock
    for (Consumer<SnapshotForger.State> change : changes) {
      assertThat(latest(restore(SnapshotForger.forge(image, change)))).isNotEqualTo(original);
    }
    assertThat(latest(restore(SnapshotForger.forge(image, s -> {})))).isEqualTo(original);
  }

  @Test
  void keepsTheLastIndexesOnlyAndStartsOverAfterARestore() throws IOException {
    KvStateMachine sm = new KvStateMachine(TTL, 8, 0, 4);
    for (long i = 1; i <= 10; i++) {
      sm.apply(i, new KvCommand.Put(null, 0, i, "k", b("v" + i), Precondition.none()));
    }
    StateHashes h = sm.hashes();
    assertThat(h.oldest()).isEqualTo(7);
    assertThat(h.at(6)).isEmpty();
    assertThat(h.at(7)).isPresent();
    assertThat(h.at(11)).isEmpty();
    assertThat(h.latest().orElseThrow().index()).isEqualTo(10);

    KvStateMachine source = new KvStateMachine(TTL, 8, 0);
    for (long i = 1; i <= 50; i++) {
      source.apply(i, new KvCommand.Put(null, 0, i, "k" + i, b("x"), Precondition.none()));
    }
    sm.restore(KvStateMachine.readSnapshot(new ByteArrayInputStream(snapshot(source)), TTL, 8));
    assertThat(h.at(10)).as("from before the restore").isEmpty();
    assertThat(h.oldest()).isEqualTo(50);
    assertThat(h.at(50)).isEqualTo(source.hashes().at(50));
  }

  @Test
  void aNoopMovesTheIndexAndSoTheHash() {
    KvStateMachine sm = new KvStateMachine();
    sm.apply(1, new KvCommand.Put(null, 0, 1, "k", b("v"), Precondition.none()));
    sm.applyNoop(2);
    assertThat(sm.hashes().at(2)).isPresent().isNotEqualTo(sm.hashes().at(1));
  }

  @Test
  void theFirstReasonForDivergenceStays() {
    StateHashes h = new StateHashes(1);
    assertThat(h.diverged()).isEmpty();
    h.markDiverged("first");
    h.markDiverged("second");
    assertThat(h.diverged()).contains("first");
    assertThatThrownBy(() -> new StateHashes(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
