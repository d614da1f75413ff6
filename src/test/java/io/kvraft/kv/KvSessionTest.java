package io.kvraft.kv;

import static io.kvraft.kv.KvStateMachineTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Exactly-once writes through client sessions, and their deterministic expiry (Raft dissertation §6.3). */
class KvSessionTest {
  private static final long TTL = 1_000;

  private KvStateMachine sm = new KvStateMachine(TTL, 100);
  private long index;

  private KvResult apply(KvCommand cmd) {
    return sm.apply(++index, cmd);
  }

  private static KvCommand append(String client, long seq, long t, String key, String value) {
    return new KvCommand.Append(client, seq, t, key, b(value));
  }

  private static KvCommand put(String client, long seq, long t, String key, String value, Precondition pre) {
    return new KvCommand.Put(client, seq, t, key, b(value), pre);
  }

  private String value(String key) {
    return new String(sm.get(key).orElseThrow().value());
  }

  @Test
  void appendRetriedThreeTimesAppearsOnceWithTheFirstResult() {
    KvResult first = apply(append("c", 1, 0, "log", "x"));
    assertEquals(KvResult.ok(1), first);
    // Retries of the same request land at later log indexes (e.g. re-sent to a new leader).
    for (int retry = 0; retry < 3; retry++) {
      assertEquals(first, apply(append("c", 1, 0, "log", "x")));
    }
    assertEquals("x", value("log"));
    assertEquals(1, sm.get("log").orElseThrow().revision());
    assertEquals(4, sm.lastAppliedIndex());
  }

  @Test
  void duplicateGetsTheRecordedFailureEvenIfItWouldSucceedNow() {
    apply(put(null, 0, 0, "k", "taken", Precondition.none()));
    assertEquals(KvResult.preconditionFailed(1), apply(put("c", 1, 0, "k", "mine", Precondition.ifNoneMatch())));
    apply(new KvCommand.Delete(null, 0, 0, "k", Precondition.none()));
    assertEquals(KvResult.preconditionFailed(1), apply(put("c", 1, 0, "k", "mine", Precondition.ifNoneMatch())));
    assertTrue(sm.get("k").isEmpty());
  }

  @Test
  void duplicateDeleteDoesNotDeleteARecreatedKey() {
    apply(put(null, 0, 0, "k", "v1", Precondition.none()));
    assertEquals(KvResult.ok(2), apply(new KvCommand.Delete("c", 1, 0, "k", Precondition.none())));
    apply(put(null, 0, 0, "k", "v2", Precondition.none()));
    assertEquals(KvResult.ok(2), apply(new KvCommand.Delete("c", 1, 0, "k", Precondition.none())));
    assertEquals("v2", value("k"));
  }

  @Test
  void olderSeqIsStaleAndNotApplied() {
    apply(append("c", 1, 0, "log", "a"));
    apply(append("c", 2, 0, "log", "b"));
    assertEquals(KvResult.STALE_REQUEST, apply(append("c", 1, 0, "log", "a")));
    assertEquals("ab", value("log"));
    // The session still remembers seq 2.
    assertEquals(KvResult.ok(2), apply(append("c", 2, 0, "log", "b")));
    assertEquals("ab", value("log"));
  }

  @Test
  void newerSeqAppliesEvenWithGapsAndClientsAreIndependent() {
    apply(append("c", 1, 0, "log", "a"));
    assertEquals(KvResult.ok(2), apply(append("c", 5, 0, "log", "b")));
    assertEquals(KvResult.ok(3), apply(append("d", 1, 0, "log", "c")));
    assertEquals("abc", value("log"));
    assertEquals(2, sm.sessionCount());
  }

  @Test
  void withoutClientIdThereIsNoDedup() {
    apply(append(null, 0, 0, "log", "x"));
    apply(append(null, 0, 0, "log", "x"));
    assertEquals("xx", value("log"));
    assertEquals(0, sm.sessionCount());
  }

  @Test
  void sessionExpiresOnlyWhenIdleLongerThanTtlByLeaderTimestamps() {
    apply(append("c", 1, 10_000, "log", "a"));
    apply(append("d", 1, 10_000 + TTL, "other", "x")); // idle exactly TTL: kept
    assertTrue(sm.sessionsView().containsKey("c"));
    apply(append("d", 2, 10_001 + TTL, "other", "x")); // now longer than TTL
    assertFalse(sm.sessionsView().containsKey("c"));
    assertEquals(List.of("d"), List.copyOf(sm.sessionsView().keySet()));
  }

  @Test
  void retriesKeepASessionAlive() {
    apply(append("c", 1, 0, "log", "a"));
    apply(append("c", 1, 800, "log", "a")); // duplicate, but activity
    apply(append("d", 1, 1_500, "other", "x"));
    assertTrue(sm.sessionsView().containsKey("c"));
    assertEquals(KvResult.ok(1), apply(append("c", 1, 1_500, "log", "a")));
    assertEquals("a", value("log"));
  }

  @Test
  void timestampGoingBackwardsNeitherExpiresNorRevives() {
    apply(append("c", 1, 50_000, "log", "a"));
    // A new leader with a slow clock: the clock stays at the max seen.
    apply(append("d", 1, 1_000, "other", "x"));
    assertEquals(50_000, sm.clockMillis());
    assertEquals(2, sm.sessionCount());
    // d's activity counts at the state machine clock, not its own earlier timestamp, so it is not expired early.
    assertEquals(50_000, sm.sessionsView().get("d").lastActiveMillis());
    apply(append("e", 1, 50_000 + TTL, "other", "y"));
    assertEquals(3, sm.sessionCount());

    apply(append("e", 2, 50_001 + TTL, "other", "y")); // c and d now idle too long
    assertEquals(List.of("e"), List.copyOf(sm.sessionsView().keySet()));
    // Going back in time again does not bring c back: its retry is a fresh session and applies again.
    apply(append("f", 1, 0, "other", "z"));
    assertFalse(sm.sessionsView().containsKey("c"));
    assertEquals(50_001 + TTL, sm.clockMillis());
  }

  @Test
  void capEvictsTheLeastRecentlyActiveSession() {
    sm = new KvStateMachine(TTL, 3);
    apply(append("a", 1, 0, "k", "1"));
    apply(append("b", 1, 0, "k", "2"));
    apply(append("c", 1, 0, "k", "3"));
    apply(append("a", 2, 0, "k", "4")); // a is now the most recent
    apply(append("d", 1, 0, "k", "5"));
    assertEquals(List.of("c", "a", "d"), List.copyOf(sm.sessionsView().keySet()));
    assertEquals(3, sm.sessionCount());
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 42, 20_260_101})
  void replicasFedTheSameLogEndIdentical(long seed) throws IOException {
    List<KvCommand> log = randomLog(new Random(seed), 3_000);
    KvStateMachine a = new KvStateMachine(TTL, 8);
    KvStateMachine b = new KvStateMachine(TTL, 8);
    for (int i = 0; i < log.size(); i++) {
      assertEquals(a.apply(i + 1, log.get(i)), b.apply(i + 1, log.get(i)), "seed=" + seed + " at " + (i + 1));
    }
    assertEquals(a.sessionsView(), b.sessionsView(), "seed=" + seed);
    assertEquals(List.copyOf(a.sessionsView().keySet()), List.copyOf(b.sessionsView().keySet()), "seed=" + seed);
    assertTrue(a.sessionCount() <= 8, "seed=" + seed);
    assertEquals(a.keys("", null, 10_000), b.keys("", null, 10_000), "seed=" + seed);
    for (String key : a.keys("", null, 10_000)) {
      assertEquals(a.get(key), b.get(key), "seed=" + seed + " key=" + key);
    }
    assertArrayEquals(snapshot(a), snapshot(b), "seed=" + seed);
  }

  /** Commands from a dozen clients with retries, stale resends, no-dedup writes and jittery leader clocks. */
  static List<KvCommand> randomLog(Random r, int n) {
    long[] seqs = new long[12];
    long leaderClock = 0;
    List<KvCommand> log = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      leaderClock += r.nextInt(200);
      long t = r.nextInt(10) == 0 ? Math.max(0, leaderClock - r.nextInt(3_000)) : leaderClock;
      String key = "k" + r.nextInt(20);
      String client = null;
      long seq = 0;
      int c = r.nextInt(seqs.length + 1);
      if (c < seqs.length) {
        client = "client-" + c;
        int roll = r.nextInt(10);
        if (roll == 0 && seqs[c] > 1) {
          seq = seqs[c] - 1; // stale
        } else if (roll <= 2 && seqs[c] > 0) {
          seq = seqs[c]; // retry
        } else {
          seq = ++seqs[c];
        }
      }
      byte[] value = new byte[r.nextInt(4)];
      r.nextBytes(value);
      Precondition pre =
          switch (r.nextInt(4)) {
            case 0 -> Precondition.ifMatch(r.nextInt(Math.max(1, i)));
            case 1 -> Precondition.ifNoneMatch();
            default -> Precondition.none();
          };
      log.add(
          switch (r.nextInt(3)) {
            case 0 -> new KvCommand.Put(client, seq, t, key, value, pre);
            case 1 -> new KvCommand.Append(client, seq, t, key, value);
            default -> new KvCommand.Delete(client, seq, t, key, pre);
          });
    }
    return log;
  }

  static byte[] snapshot(KvStateMachine sm) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    sm.writeSnapshot(out);
    return out.toByteArray();
  }
}
