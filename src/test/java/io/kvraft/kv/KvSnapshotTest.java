package io.kvraft.kv;

import static io.kvraft.kv.KvSessionTest.snapshot;
import static io.kvraft.kv.KvStateMachineTest.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KvSnapshotTest {
  private static final long TTL = 1_000;

  private static KvStateMachine restore(byte[] bytes, long ttl, int maxSessions)
      throws IOException {
    return KvStateMachine.readSnapshot(new ByteArrayInputStream(bytes), ttl, maxSessions);
  }

  /**
   * The image is a cut at capture time: applying afterwards, while it is written on another thread,
   * changes nothing.
   */
  @Test
  void captureIsAConsistentCutWhileApplyingGoesOn() throws IOException {
    List<KvCommand> log = KvSessionTest.randomLog(new Random(11), 3_000);
    KvStateMachine sm = new KvStateMachine(TTL, 8);
    for (int i = 0; i < 1_500; i++) {
      sm.apply(i + 1, log.get(i));
    }
    byte[] atCapture = snapshot(sm);
    KvStateMachine.Image image = sm.capture();
    for (int i = 1_500; i < log.size(); i++) {
      sm.apply(i + 1, log.get(i));
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    image.writeTo(out);
    assertEquals(1_500, image.lastAppliedIndex());
    assertArrayEquals(atCapture, out.toByteArray());
  }

  /**
   * The capture copies the map into arrays sized by the key count: inserts and deletes all over the
   * key range after it (and a restore before it, which sets the count from the snapshot) must leave
   * the image exactly as it was.
   */
  @Test
  void captureOfManyKeysIgnoresLaterInsertsAndDeletesAnywhereInTheRange() throws IOException {
    KvStateMachine original = new KvStateMachine();
    long index = 0;
    for (int i = 0; i < 5_000; i += 2) {
      String key = String.format("user/%06d", i);
      original.apply(++index, new KvCommand.Put(null, 0, 0, key, b("v" + i), Precondition.none()));
    }
    for (int i = 0; i < 5_000; i += 6) {
      original.apply(
          ++index,
          new KvCommand.Delete(null, 0, 0, String.format("user/%06d", i), Precondition.none()));
    }
    KvStateMachine sm = restore(snapshot(original), TTL, 8);
    byte[] atCapture = snapshot(sm);
    KvStateMachine.Image image = sm.capture();
    for (int i = 0; i < 5_000; i++) {
      String key = String.format("user/%06d", i);
      sm.apply(
          ++index,
          i % 3 == 0
              ? new KvCommand.Delete(null, 0, 0, key, Precondition.none())
              : new KvCommand.Put(null, 0, 0, key, b("w" + i), Precondition.none()));
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    image.writeTo(out);
    assertArrayEquals(atCapture, out.toByteArray());
    KvStateMachine fromImage = restore(out.toByteArray(), TTL, 8);
    assertEquals(1_666, fromImage.size());
    assertEquals(original.keys("", null, 10_000), fromImage.keys("", null, 10_000));
    assertEquals(3_333, sm.size(), "the live state moved on");
  }

  /**
   * restore() replaces the whole state in place, so services holding this instance see the
   * snapshot's state.
   */
  @Test
  void restoreReplacesTheStateInPlace() throws IOException {
    List<KvCommand> log = KvSessionTest.randomLog(new Random(12), 2_000);
    KvStateMachine leader = new KvStateMachine(TTL, 8);
    for (int i = 0; i < log.size(); i++) {
      leader.apply(i + 1, log.get(i));
    }
    KvStateMachine follower = new KvStateMachine(TTL, 8);
    follower.apply(1, log.get(0));
    follower.restore(restore(snapshot(leader), TTL, 8));
    assertEquals(leader.lastAppliedIndex(), follower.lastAppliedIndex());
    assertArrayEquals(snapshot(leader), snapshot(follower));
    assertThrows(IllegalStateException.class, () -> follower.apply(log.size(), log.get(0)));
  }

  @Test
  void emptyStateMachineRoundTrips() throws IOException {
    KvStateMachine restored = restore(snapshot(new KvStateMachine()), TTL, 10);
    assertEquals(0, restored.size());
    assertEquals(0, restored.lastAppliedIndex());
    assertEquals(0, restored.sessionCount());
  }

  @Test
  void roundTripRestoresDataSessionsClockAndIndexAndBehavesTheSame() throws IOException {
    long seed = 7;
    List<KvCommand> log = KvSessionTest.randomLog(new Random(seed), 4_000);
    KvStateMachine original = new KvStateMachine(TTL, 8);
    for (int i = 0; i < 2_000; i++) {
      original.apply(i + 1, log.get(i));
    }
    byte[] bytes = snapshot(original);
    KvStateMachine restored = restore(bytes, TTL, 8);

    assertEquals(original.lastAppliedIndex(), restored.lastAppliedIndex());
    assertEquals(original.clockMillis(), restored.clockMillis());
    assertEquals(original.size(), restored.size());
    assertTrue(
        original.size() > 0 && original.sessionCount() > 0,
        "the sample should exercise data and sessions");
    List<String> keys = original.keys("", null, 10_000);
    assertEquals(keys, restored.keys("", null, 10_000));
    for (String key : keys) {
      assertEquals(original.get(key), restored.get(key), key);
    }
    assertEquals(original.sessionsView(), restored.sessionsView());
    assertEquals(
        List.copyOf(original.sessionsView().keySet()),
        List.copyOf(restored.sessionsView().keySet()));
    assertArrayEquals(bytes, snapshot(restored), "re-snapshot must be byte-identical");

    // The restored replica keeps deduplicating and expiring exactly like the original.
    for (int i = 2_000; i < log.size(); i++) {
      assertEquals(
          original.apply(i + 1, log.get(i)),
          restored.apply(i + 1, log.get(i)),
          "seed=" + seed + " at " + i);
    }
    assertArrayEquals(snapshot(original), snapshot(restored));
  }

  @Test
  void duplicateAfterRestoreReturnsTheRecordedResult() throws IOException {
    KvStateMachine sm = new KvStateMachine();
    sm.apply(1, new KvCommand.Register(0));
    String c = KvStateMachine.sessionId(1);
    sm.apply(2, new KvCommand.Append(c, 1, 0, "log", b("x")));
    KvStateMachine restored = restore(snapshot(sm), TTL, 10);
    assertEquals(KvResult.ok(2), restored.apply(3, new KvCommand.Append(c, 1, 0, "log", b("x"))));
    assertArrayEquals(b("x"), restored.get("log").orElseThrow().value());
  }

  @Test
  void snapshotOfOneKeyAndThreeClientsIsUnder500Bytes() throws IOException {
    KvStateMachine sm = new KvStateMachine();
    long t = 1_767_225_600_000L; // a realistic epoch-millis leader clock
    for (int i = 1; i <= 3; i++) {
      sm.apply(i, new KvCommand.Register(t));
    }
    sm.apply(4, new KvCommand.Put("1", 1, t, "user/42", b("hello world"), Precondition.none()));
    sm.apply(5, new KvCommand.Append("2", 17, t + 5, "user/42", b("!")));
    sm.apply(6, new KvCommand.Delete("3", 3, t + 9, "absent", Precondition.none()));
    byte[] bytes = snapshot(sm);
    assertEquals(3, sm.sessionCount());
    assertTrue(bytes.length < 500, "snapshot is " + bytes.length + " bytes");
  }

  @Test
  void restoringWithASmallerCapKeepsTheMostRecentSessions() throws IOException {
    KvStateMachine sm = new KvStateMachine(TTL, 10);
    for (int i = 1; i <= 4; i++) {
      sm.apply(i, new KvCommand.Register(0));
    }
    sm.apply(
        5, new KvCommand.Append("1", 1, 0, "k", b("a"))); // session 1 is now the most recently used
    KvStateMachine restored = restore(snapshot(sm), TTL, 2);
    assertEquals(List.of("4", "1"), List.copyOf(restored.sessionsView().keySet()));
  }

  /**
   * A restored replica keeps the least-recently-used order, so it evicts (or refuses) exactly as
   * the original.
   */
  @Test
  void restoredSessionsEvictInTheSameOrderAndStillProtectRecentlyUsedOnes() throws IOException {
    long minIdle = 500;
    KvStateMachine sm = new KvStateMachine(TTL, 3, minIdle);
    sm.apply(1, new KvCommand.Register(0));
    sm.apply(2, new KvCommand.Register(0));
    sm.apply(3, new KvCommand.Register(0));
    sm.apply(4, new KvCommand.Append("1", 1, 100, "k", b("a"))); // LRU order now 2, 3, 1
    KvStateMachine restored =
        KvStateMachine.readSnapshot(new ByteArrayInputStream(snapshot(sm)), TTL, 3, minIdle);
    assertEquals(List.of("2", "3", "1"), List.copyOf(restored.sessionsView().keySet()));
    for (KvStateMachine replica : List.of(sm, restored)) {
      assertEquals(
          KvResult.ok(5), replica.apply(5, new KvCommand.Register(500))); // 2 idle 500: evicted
      assertEquals(
          KvResult.ok(6), replica.apply(6, new KvCommand.Register(500))); // 3 idle 500: evicted
      assertEquals(
          KvResult.SESSIONS_FULL, replica.apply(7, new KvCommand.Register(500))); // 1 idle only 400
      assertEquals(List.of("1", "5", "6"), List.copyOf(replica.sessionsView().keySet()));
      assertEquals(
          KvResult.SESSION_EXPIRED,
          replica.apply(8, new KvCommand.Append("2", 1, 500, "k", b("x"))));
    }
    assertArrayEquals(snapshot(sm), snapshot(restored));
  }

  @Test
  void corruptOrTruncatedSnapshotIsAnIOException() throws IOException {
    KvStateMachine sm = new KvStateMachine();
    sm.apply(1, new KvCommand.Put("c", 1, 100, "key", b("value"), Precondition.none()));
    byte[] good = snapshot(sm);
    for (int i = 0; i < good.length; i++) {
      byte[] flipped = good.clone();
      flipped[i] ^= 0x10;
      assertThrows(IOException.class, () -> restore(flipped, TTL, 10), "flip at " + i);
      byte[] truncated = Arrays.copyOf(good, i);
      assertThrows(IOException.class, () -> restore(truncated, TTL, 10), "cut at " + i);
    }
  }
}
