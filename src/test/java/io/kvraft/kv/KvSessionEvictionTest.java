package io.kvraft.kv;

import static io.kvraft.kv.KvStateMachineTest.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Issue 12 item 1: once a client's session was evicted or expired, a retry of a write it had
 * already applied was taken for a new client's first write and applied a second time ("AB" became
 * "ABB"). Now the retry is refused as SESSION_EXPIRED and nothing changes; and a flood of
 * registrations cannot evict a session that is in use.
 */
class KvSessionEvictionTest {
  private static final long TTL = 60_000;
  private static final long MIN_IDLE = 1_000;
  private final KvStateMachine sm = new KvStateMachine(TTL, 3, MIN_IDLE);
  private long index;

  private KvResult apply(KvCommand cmd) {
    return sm.apply(++index, cmd);
  }

  private String register(long t) {
    KvResult r = apply(new KvCommand.Register(t));
    assertEquals(KvResult.Status.OK, r.status());
    return KvStateMachine.sessionId(r.revision());
  }

  private String value(String key) {
    return new String(sm.get(key).orElseThrow().value());
  }

  /** A then B under one session, and a duplicate of B deduplicated; returns the session id. */
  private String appendABAndRetryB(long t) {
    String c1 = register(t);
    assertEquals(KvResult.Status.OK, apply(new KvCommand.Append(c1, 1, t, "k", b("A"))).status());
    KvResult second = apply(new KvCommand.Append(c1, 2, t, "k", b("B")));
    assertEquals(second, apply(new KvCommand.Append(c1, 2, t, "k", b("B"))));
    assertEquals("AB", value("k"));
    return c1;
  }

  @Test
  void retryAfterEvictionIsRefusedAndNotAppliedTwice() {
    String c1 = appendABAndRetryB(0);
    // A flood of registrations, each once the least recently used session has been idle long enough
    // to go.
    long t = 0;
    for (int i = 0; i < 5; i++) {
      t += MIN_IDLE;
      register(t);
    }
    assertTrue(!sm.sessionsView().containsKey(c1), "c1 was evicted");
    assertEquals(KvResult.SESSION_EXPIRED, apply(new KvCommand.Append(c1, 2, t, "k", b("B"))));
    assertEquals("AB", value("k"));
    // Refused, not recorded: the id stays unknown however often it is retried.
    assertEquals(KvResult.SESSION_EXPIRED, apply(new KvCommand.Append(c1, 3, t, "k", b("C"))));
    assertEquals("AB", value("k"));
  }

  @Test
  void retryAfterExpiryIsRefusedAndNotAppliedTwice() {
    String c1 = appendABAndRetryB(0);
    register(TTL + 1); // any command past the TTL expires c1
    assertEquals(
        KvResult.SESSION_EXPIRED, apply(new KvCommand.Append(c1, 2, TTL + 1, "k", b("B"))));
    assertEquals("AB", value("k"));
  }

  @Test
  void aRegistrationFloodCannotEvictARecentlyUsedClient() {
    String c1 = appendABAndRetryB(0);
    register(0);
    register(0);
    for (int i = 0; i < 100; i++) {
      // The table is full and its least recently used session was used less than MIN_IDLE ago.
      assertEquals(KvResult.SESSIONS_FULL, apply(new KvCommand.Register(MIN_IDLE - 1)));
    }
    assertEquals(3, sm.sessionCount());
    // The retry is still deduplicated, and the client goes on writing.
    assertEquals(KvResult.ok(3), apply(new KvCommand.Append(c1, 2, MIN_IDLE - 1, "k", b("B"))));
    assertEquals(
        KvResult.Status.OK, apply(new KvCommand.Append(c1, 3, MIN_IDLE - 1, "k", b("C"))).status());
    assertEquals("ABC", value("k"));
  }
}
