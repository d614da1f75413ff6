package io.kvraft.kv;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-client dedup state for exactly-once writes (Raft dissertation §6.3): the last seq applied and
 * its result. Sessions are opened by {@link #register} only (a replicated command), so a write
 * naming no live session is known to come from a client that was never registered, expired or was
 * evicted, and is refused rather than taken as new.
 *
 * <p>Only the applier thread touches this. Entries are kept oldest-activity first: every use (a
 * write, a duplicate, a stale retry) re-inserts at the tail with the state machine's clock, and
 * that clock never goes backwards, so the head is always the least recently used session. Expiry
 * and the size cap therefore only look at the head: O(1) per apply, no scans.
 *
 * <p>A full table makes room for a registration only by evicting a session idle for at least {@code
 * minIdleMillis}: a flood of registrations cannot push out a client that is in use, it is refused
 * instead.
 */
final class ClientSessions {
  /** Compact on purpose: status and revision only, never the value, so snapshots stay small. */
  record Session(long lastSeq, KvResult lastResult, long lastActiveMillis) {}

  /**
   * The "last result" of a session that has applied nothing yet; never answered (seqs start at 1).
   */
  private static final KvResult NOTHING_YET = KvResult.ok(0);

  private final long ttlMillis;
  private final int maxSessions;
  private final long minIdleMillis;
  private final LinkedHashMap<String, Session> byActivity = new LinkedHashMap<>();

  /** Sum of {@link StateDigest#ofSession} over the table, kept as it changes. */
  private long digest;

  ClientSessions(long ttlMillis, int maxSessions, long minIdleMillis) {
    if (ttlMillis <= 0) {
      throw new IllegalArgumentException("session TTL must be positive: " + ttlMillis);
    }
    if (maxSessions < 1) {
      throw new IllegalArgumentException("max sessions must be >= 1: " + maxSessions);
    }
    if (minIdleMillis < 0) {
      throw new IllegalArgumentException("session min idle must not be negative: " + minIdleMillis);
    }
    this.ttlMillis = ttlMillis;
    this.maxSessions = maxSessions;
    this.minIdleMillis = minIdleMillis;
  }

  /**
   * Opens session {@code clientId} at {@code clock}, evicting the least recently used session if
   * the table is full and that one has been idle at least the minimum; false (nothing changed) if
   * it has not.
   */
  boolean register(String clientId, long clock) {
    if (byActivity.size() >= maxSessions) {
      Iterator<Map.Entry<String, Session>> it = byActivity.entrySet().iterator();
      Map.Entry<String, Session> head = it.next();
      if (clock - head.getValue().lastActiveMillis() < minIdleMillis) {
        return false;
      }
      remove(it, head);
    }
    // Issued ids never repeat; put() replaces a session only if a legacy client chose this very id
    // itself.
    put(clientId, new Session(0, NOTHING_YET, clock));
    return true;
  }

  Session get(String clientId) {
    return byActivity.get(clientId);
  }

  /** Drops sessions idle for longer than the TTL at {@code clock}. */
  void expire(long clock) {
    Iterator<Map.Entry<String, Session>> it = byActivity.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Session> head = it.next();
      if (clock - head.getValue().lastActiveMillis() <= ttlMillis) {
        return; // everything after the head is at least as recent
      }
      remove(it, head);
    }
  }

  /**
   * Marks activity without a new result (duplicate or stale retry): keeps a retrying client's
   * session alive.
   */
  void touch(String clientId, Session s, long clock) {
    put(clientId, new Session(s.lastSeq(), s.lastResult(), clock));
  }

  /**
   * Records an applied write of a live session; for a {@link KvCommand.Legacy} write the session
   * may be new, and then the least recently used is evicted over the cap, as that encoding's rules
   * did.
   */
  void record(String clientId, long seq, KvResult result, long clock) {
    put(clientId, new Session(seq, result, clock));
    evictOverCap();
  }

  /**
   * Evicts the least recently used first; a just-recorded session is at the tail, so never itself.
   */
  private void evictOverCap() {
    Iterator<Map.Entry<String, Session>> it = byActivity.entrySet().iterator();
    while (byActivity.size() > maxSessions) {
      remove(it, it.next());
    }
  }

  int size() {
    return byActivity.size();
  }

  /** An independent copy (sessions are immutable records, so sharing them is safe). */
  ClientSessions copy() {
    ClientSessions copy = new ClientSessions(ttlMillis, maxSessions, minIdleMillis);
    copy.byActivity.putAll(byActivity);
    copy.digest = digest;
    return copy;
  }

  /** Read-only view in activity order, oldest first (for tests and diagnostics). */
  Map<String, Session> view() {
    return Collections.unmodifiableMap(byActivity);
  }

  /** See {@link StateHashes}: the same on every replica that holds the same sessions. */
  long digest() {
    return digest;
  }

  private void put(String clientId, Session s) {
    // Remove first: a plain put on an existing key would keep its old position in the order.
    Session old = byActivity.remove(clientId);
    if (old != null) {
      digest -= StateDigest.ofSession(clientId, old);
    }
    byActivity.put(clientId, s);
    digest += StateDigest.ofSession(clientId, s);
  }

  private void remove(Iterator<Map.Entry<String, Session>> it, Map.Entry<String, Session> e) {
    digest -= StateDigest.ofSession(e.getKey(), e.getValue());
    it.remove();
  }

  /** Writes sessions in activity order so that a restored replica evicts in the same order. */
  void writeTo(DataOutputStream out) throws IOException {
    Wire.writeVarLong(out, byActivity.size());
    for (Map.Entry<String, Session> e : byActivity.entrySet()) {
      Session s = e.getValue();
      Wire.writeString(out, e.getKey());
      Wire.writeVarLong(out, s.lastSeq());
      out.writeByte(s.lastResult().status().code);
      Wire.writeVarLong(out, s.lastResult().revision());
      Wire.writeVarLong(out, s.lastActiveMillis());
    }
  }

  void readFrom(DataInputStream in) throws IOException {
    long count = Wire.readVarLong(in);
    long previousActive = Long.MIN_VALUE;
    for (long i = 0; i < count; i++) {
      String clientId = Wire.readString(in);
      long seq = Wire.readVarLong(in);
      KvResult.Status status = KvResult.Status.fromCode(in.readUnsignedByte());
      long revision = Wire.readVarLong(in);
      long lastActive = Wire.readVarLong(in);
      if (lastActive < previousActive || byActivity.containsKey(clientId)) {
        // Out-of-order or duplicate entries would break the head-only expiry invariant.
        throw new IOException("corrupt snapshot: sessions not in activity order at " + clientId);
      }
      previousActive = lastActive;
      put(clientId, new Session(seq, new KvResult(status, revision), lastActive));
    }
    // The snapshot may come from a replica configured with a larger cap.
    evictOverCap();
  }
}
