package io.kvraft.kv;

import static io.kvraft.kv.KvStateMachineTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exactly-once writes through client sessions, registered through the log, and their deterministic
 * expiry (Raft dissertation §6.3). Clients are named in the tests ("c", "d"); {@link #open}
 * registers one and remembers the id the state machine issued for it.
 */
class KvSessionTest {
  private static final long TTL = 1_000;

  private KvStateMachine sm = new KvStateMachine(TTL, 100);
  private long index;
  private final Map<String, String> ids = new HashMap<>();

  private KvResult apply(KvCommand cmd) {
    return sm.apply(++index, cmd);
  }

  /**
   * Registers client {@code name} at leader time {@code t}; its writes then carry the issued id.
   */
  private void open(String name, long t) {
    KvResult r = apply(new KvCommand.Register(t));
    assertEquals(KvResult.ok(index), r, "registration of " + name);
    ids.put(name, KvStateMachine.sessionId(index));
  }

  private void open(String... names) {
    for (String name : names) {
      open(name, 0);
    }
  }

  private String id(String name) {
    return name == null ? null : ids.getOrDefault(name, "never-issued-" + name);
  }

  private KvCommand append(String client, long seq, long t, String key, String value) {
    return new KvCommand.Append(id(client), seq, t, key, b(value));
  }

  private KvCommand put(
      String client, long seq, long t, String key, String value, Precondition pre) {
    return new KvCommand.Put(id(client), seq, t, key, b(value), pre);
  }

  private List<String> sessionNames() {
    List<String> names = new ArrayList<>();
    for (String id : sm.sessionsView().keySet()) {
      names.add(
          ids.entrySet().stream()
              .filter(e -> e.getValue().equals(id))
              .findFirst()
              .orElseThrow()
              .getKey());
    }
    return names;
  }

  private String value(String key) {
    return new String(sm.get(key).orElseThrow().value());
  }

  @Test
  void appendRetriedThreeTimesAppearsOnceWithTheFirstResult() {
    open("c");
    KvResult first = apply(append("c", 1, 0, "log", "x"));
    assertEquals(KvResult.ok(2), first);
    // Retries of the same request land at later log indexes (e.g. re-sent to a new leader).
    for (int retry = 0; retry < 3; retry++) {
      assertEquals(first, apply(append("c", 1, 0, "log", "x")));
    }
    assertEquals("x", value("log"));
    assertEquals(2, sm.get("log").orElseThrow().revision());
    assertEquals(5, sm.lastAppliedIndex());
  }

  @Test
  void duplicateGetsTheRecordedFailureEvenIfItWouldSucceedNow() {
    open("c");
    apply(put(null, 0, 0, "k", "taken", Precondition.none()));
    assertEquals(
        KvResult.preconditionFailed(2),
        apply(put("c", 1, 0, "k", "mine", Precondition.ifNoneMatch())));
    apply(new KvCommand.Delete(null, 0, 0, "k", Precondition.none()));
    assertEquals(
        KvResult.preconditionFailed(2),
        apply(put("c", 1, 0, "k", "mine", Precondition.ifNoneMatch())));
    assertTrue(sm.get("k").isEmpty());
  }

  @Test
  void duplicateDeleteDoesNotDeleteARecreatedKey() {
    open("c");
    apply(put(null, 0, 0, "k", "v1", Precondition.none()));
    assertEquals(
        KvResult.ok(3), apply(new KvCommand.Delete(id("c"), 1, 0, "k", Precondition.none())));
    apply(put(null, 0, 0, "k", "v2", Precondition.none()));
    assertEquals(
        KvResult.ok(3), apply(new KvCommand.Delete(id("c"), 1, 0, "k", Precondition.none())));
    assertEquals("v2", value("k"));
  }

  @Test
  void olderSeqIsStaleAndNotApplied() {
    open("c");
    apply(append("c", 1, 0, "log", "a"));
    apply(append("c", 2, 0, "log", "b"));
    assertEquals(KvResult.STALE_REQUEST, apply(append("c", 1, 0, "log", "a")));
    assertEquals("ab", value("log"));
    // The session still remembers seq 2.
    assertEquals(KvResult.ok(3), apply(append("c", 2, 0, "log", "b")));
    assertEquals("ab", value("log"));
  }

  @Test
  void newerSeqAppliesEvenWithGapsAndClientsAreIndependent() {
    open("c", "d");
    apply(append("c", 1, 0, "log", "a"));
    assertEquals(KvResult.ok(4), apply(append("c", 5, 0, "log", "b")));
    assertEquals(KvResult.ok(5), apply(append("d", 1, 0, "log", "c")));
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
    open("c", 10_000);
    open("d", 10_000);
    apply(append("c", 1, 10_000, "log", "a"));
    apply(append("d", 1, 10_000 + TTL, "other", "x")); // idle exactly TTL: kept
    assertTrue(sm.sessionsView().containsKey(id("c")));
    apply(append("d", 2, 10_001 + TTL, "other", "x")); // now longer than TTL
    assertFalse(sm.sessionsView().containsKey(id("c")));
    assertEquals(List.of("d"), sessionNames());
    // The expired client's retry is refused, not taken for a new client's first write.
    assertEquals(KvResult.SESSION_EXPIRED, apply(append("c", 1, 10_001 + TTL, "log", "a")));
    assertEquals("a", value("log"));
  }

  @Test
  void retriesKeepASessionAlive() {
    open("c", "d");
    apply(append("c", 1, 0, "log", "a"));
    apply(append("c", 1, 800, "log", "a")); // duplicate, but activity
    apply(append("d", 1, 1_500, "other", "x"));
    assertTrue(sm.sessionsView().containsKey(id("c")));
    assertEquals(KvResult.ok(3), apply(append("c", 1, 1_500, "log", "a")));
    assertEquals("a", value("log"));
  }

  @Test
  void timestampGoingBackwardsNeitherExpiresNorRevives() {
    open("c", 50_000);
    apply(append("c", 1, 50_000, "log", "a"));
    // A new leader with a slow clock: the clock stays at the max seen.
    open("d", 1_000);
    apply(append("d", 1, 1_000, "other", "x"));
    assertEquals(50_000, sm.clockMillis());
    assertEquals(2, sm.sessionCount());
    // d's activity counts at the state machine clock, not its own earlier timestamp, so it is not
    // expired early.
    assertEquals(50_000, sm.sessionsView().get(id("d")).lastActiveMillis());
    open("e", 50_000 + TTL);
    apply(append("e", 1, 50_000 + TTL, "other", "y"));
    assertEquals(3, sm.sessionCount());

    apply(append("e", 2, 50_001 + TTL, "other", "y")); // c and d now idle too long
    assertEquals(List.of("e"), sessionNames());
    // Going back in time again does not bring c back: its retry is refused, not applied again.
    assertEquals(KvResult.SESSION_EXPIRED, apply(append("c", 1, 0, "log", "a")));
    assertFalse(sm.sessionsView().containsKey(id("c")));
    assertEquals("a", value("log"));
    assertEquals(50_001 + TTL, sm.clockMillis());
  }

  @Test
  void aFullTableEvictsTheLeastRecentlyUsedSessionOnceItIsIdleLongEnough() {
    sm = new KvStateMachine(TTL, 3, 100);
    open("a", "b", "c");
    apply(append("a", 1, 0, "k", "1"));
    apply(append("b", 1, 0, "k", "2"));
    apply(append("c", 1, 0, "k", "3"));
    apply(append("a", 1, 0, "k", "1")); // a duplicate is use too: a is now the most recent
    // b was used at 0: at 99 it is not idle long enough, so the registration is refused and nothing
    // changes.
    assertEquals(KvResult.SESSIONS_FULL, apply(new KvCommand.Register(99)));
    assertEquals(List.of("b", "c", "a"), sessionNames());
    open("d", 100);
    assertEquals(List.of("c", "a", "d"), sessionNames());
    assertEquals(3, sm.sessionCount());
    assertEquals(KvResult.SESSION_EXPIRED, apply(append("b", 2, 100, "k", "x")));
    assertEquals("123", value("k"));
  }

  @Test
  void writesNeverOpenASession() {
    assertEquals(KvResult.SESSION_EXPIRED, apply(append("nobody", 1, 0, "log", "a")));
    assertEquals(KvResult.SESSION_EXPIRED, apply(append("nobody", 7, 0, "log", "a")));
    assertTrue(sm.get("log").isEmpty());
    assertEquals(0, sm.sessionCount());
  }

  @Test
  void issuedIdsComeFromTheLogIndexAndStartAtSeqZero() {
    apply(put(null, 0, 0, "k", "v", Precondition.none()));
    assertEquals(KvResult.ok(2), apply(new KvCommand.Register(0)));
    assertEquals("2", KvStateMachine.sessionId(2));
    assertEquals(0, sm.sessionsView().get("2").lastSeq());
    assertEquals(KvResult.ok(3), apply(new KvCommand.Append("2", 1, 0, "k", b("w"))));
  }

  /**
   * A version-1 log entry replays under the rules it was written under: an unknown client id opens
   * a session.
   */
  @Test
  void legacyWritesStillOpenTheirSessionSoOldLogsReplayTheSame() {
    sm = new KvStateMachine(TTL, 2);
    assertEquals(
        KvResult.ok(1),
        apply(new KvCommand.Legacy(new KvCommand.Append("old", 1, 0, "log", b("a")))));
    assertEquals(
        KvResult.ok(1),
        apply(new KvCommand.Legacy(new KvCommand.Append("old", 1, 0, "log", b("a")))));
    // The session it opened works for new-rule writes too, so a client upgraded in place carries
    // on.
    assertEquals(KvResult.ok(3), apply(new KvCommand.Append("old", 2, 0, "log", b("b"))));
    assertEquals("ab", value("log"));
    apply(new KvCommand.Legacy(new KvCommand.Append("x", 1, 0, "k", b("1"))));
    apply(
        new KvCommand.Legacy(
            new KvCommand.Append("y", 1, 0, "k", b("2")))); // over the cap: LRU "old" goes
    assertEquals(List.of("x", "y"), List.copyOf(sm.sessionsView().keySet()));
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 42, 20_260_101})
  void replicasFedTheSameLogEndIdentical(long seed) throws IOException {
    List<KvCommand> log = randomLog(new Random(seed), 3_000);
    KvStateMachine a = new KvStateMachine(TTL, 8, 300);
    KvStateMachine b = new KvStateMachine(TTL, 8, 300);
    for (int i = 0; i < log.size(); i++) {
      assertEquals(
          a.apply(i + 1, log.get(i)),
          b.apply(i + 1, log.get(i)),
          "seed=" + seed + " at " + (i + 1));
    }
    assertEquals(a.sessionsView(), b.sessionsView(), "seed=" + seed);
    assertEquals(
        List.copyOf(a.sessionsView().keySet()),
        List.copyOf(b.sessionsView().keySet()),
        "seed=" + seed);
    assertTrue(a.sessionCount() <= 8, "seed=" + seed);
    assertEquals(a.keys("", null, 10_000), b.keys("", null, 10_000), "seed=" + seed);
    for (String key : a.keys("", null, 10_000)) {
      assertEquals(a.get(key), b.get(key), "seed=" + seed + " key=" + key);
    }
    assertArrayEquals(snapshot(a), snapshot(b), "seed=" + seed);
  }

  /**
   * Commands from a dozen clients with registrations (and re-registrations), retries, stale
   * resends, writes under ids never issued, no-dedup writes, a few version-1 (legacy) writes and
   * jittery leader clocks. Position i of the list is applied at log index i + 1, which is what a
   * registration there issues as id.
   */
  static List<KvCommand> randomLog(Random r, int n) {
    String[] ids = new String[12];
    long[] seqs = new long[ids.length];
    long leaderClock = 0;
    List<KvCommand> log = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // Mostly steady time, now and then a pause longer than the TTL (sessions expire), sometimes a
      // slow clock.
      leaderClock += r.nextInt(100) == 0 ? 1_500 : r.nextInt(40);
      long t = r.nextInt(10) == 0 ? Math.max(0, leaderClock - r.nextInt(3_000)) : leaderClock;
      int c = r.nextInt(ids.length + 1);
      if (c < ids.length && (ids[c] == null || r.nextInt(8) == 0)) {
        log.add(new KvCommand.Register(t));
        ids[c] = KvStateMachine.sessionId(i + 1);
        seqs[c] = 0;
        continue;
      }
      String key = "k" + r.nextInt(20);
      String client = null;
      long seq = 0;
      if (c < ids.length) {
        client = r.nextInt(50) == 0 ? "never-issued" : ids[c];
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
      KvCommand.Write write =
          switch (r.nextInt(3)) {
            case 0 -> new KvCommand.Put(client, seq, t, key, value, pre);
            case 1 -> new KvCommand.Append(client, seq, t, key, value);
            default -> new KvCommand.Delete(client, seq, t, key, pre);
          };
      log.add(r.nextInt(40) == 0 ? new KvCommand.Legacy(write) : write);
    }
    return log;
  }

  static byte[] snapshot(KvStateMachine sm) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    sm.writeSnapshot(out);
    return out.toByteArray();
  }
}
