package io.kvraft.kv;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The replicated key-value state: every replica applies the same committed commands in log order
 * and so reaches the same state, including client sessions and their expiry.
 *
 * <p>Threading: exactly one thread (the applier) calls {@link #apply}, {@link #applyNoop} and
 * {@link #writeSnapshot}. Readers may call {@link #get}, {@link #keys}, {@link #size} and {@link
 * #lastAppliedIndex} from any thread at any time; each key's entry is replaced atomically, so a
 * read sees the latest applied value of that key; a multi-key listing is a point-in-time view only
 * when taken between two applies (KvService takes linearizable listings on the Raft loop).
 *
 * <p>Invariants: {@code lastAppliedIndex} only grows; every stored revision is {@code <=
 * lastAppliedIndex}; the clock only grows.
 */
public final class KvStateMachine {
  public static final long DEFAULT_SESSION_TTL_MILLIS = 60 * 60 * 1000L;
  public static final int DEFAULT_MAX_SESSIONS = 100_000;

  /** A full session table evicts only a session idle this long; see {@link ClientSessions}. */
  public static final long DEFAULT_SESSION_MIN_IDLE_MILLIS = 5 * 60 * 1000L;

  private static final int SNAPSHOT_VERSION = 1;

  /**
   * Values are limited far below this by the HTTP layer; this only bounds what a corrupt snapshot
   * can claim.
   */
  private static final int MAX_VALUE_BYTES = Integer.MAX_VALUE - 8;

  /**
   * Replaced as a whole by {@link #restore}, so a concurrent reader sees the old state or the new,
   * never a mix.
   */
  private volatile ConcurrentSkipListMap<String, Versioned> data = new ConcurrentSkipListMap<>();

  private ClientSessions sessions;
  // ConcurrentSkipListMap.size() is O(n); the applier keeps the count instead.
  private volatile long size;
  private volatile long lastAppliedIndex;

  /** Max leader timestamp seen: leaders' clocks disagree, and expiry must never move backwards. */
  private long clock;

  /** Sum of {@link StateDigest#ofKey} over the data, kept as it changes (applier thread only). */
  private long dataDigest;

  private final StateHashes hashes;

  public KvStateMachine() {
    this(DEFAULT_SESSION_TTL_MILLIS, DEFAULT_MAX_SESSIONS);
  }

  public KvStateMachine(long sessionTtlMillis, int maxSessions) {
    this(sessionTtlMillis, maxSessions, DEFAULT_SESSION_MIN_IDLE_MILLIS);
  }

  public KvStateMachine(long sessionTtlMillis, int maxSessions, long sessionMinIdleMillis) {
    this(sessionTtlMillis, maxSessions, sessionMinIdleMillis, StateHashes.DEFAULT_HISTORY);
  }

  /**
   * @param hashHistory how many of the last applied indexes keep their state hash (see {@link
   *     #hashes})
   */
  public KvStateMachine(
      long sessionTtlMillis, int maxSessions, long sessionMinIdleMillis, int hashHistory) {
    this.sessions = new ClientSessions(sessionTtlMillis, maxSessions, sessionMinIdleMillis);
    this.hashes = new StateHashes(hashHistory);
  }

  /** This replica's state hash after each recently applied index, and its verdict on itself. */
  public StateHashes hashes() {
    return hashes;
  }

  /** The hash of the whole replicated state as it is now (applier thread only). */
  private long stateHash() {
    return StateDigest.ofState(lastAppliedIndex, clock, size, dataDigest, sessions.digest());
  }

  /**
   * The id of the client session opened by the {@link KvCommand.Register} applied at {@code
   * registrationIndex}.
   */
  public static String sessionId(long registrationIndex) {
    return Long.toString(registrationIndex);
  }

  /**
   * Applies the committed command at log {@code index}. A successful write sets the key's revision
   * to {@code index}. For a write with a client id: no live session gives {@link
   * KvResult.Status#SESSION_EXPIRED} and applies nothing, a repeated seq returns the recorded
   * result without re-applying, and an older seq returns {@link KvResult.Status#STALE_REQUEST}. A
   * {@link KvCommand.Register} opens session {@link #sessionId sessionId(index)} or gives {@link
   * KvResult.Status#SESSIONS_FULL}.
   *
   * @throws IllegalStateException if {@code index} does not follow the last applied index (applying
   *     out of order would silently fork this replica)
   */
  public KvResult apply(long index, KvCommand cmd) {
    advanceTo(index);
    clock = Math.max(clock, cmd.timestampMillis());
    // Before the lookup, so a session idle past its TTL is gone for this command on every replica
    // alike.
    sessions.expire(clock);
    KvResult result;
    if (cmd instanceof KvCommand.Register) {
      result =
          sessions.register(sessionId(index), clock) ? KvResult.ok(index) : KvResult.SESSIONS_FULL;
    } else if (cmd instanceof KvCommand.Legacy legacy) {
      result = applyOnce(index, legacy.write(), true);
    } else {
      result = applyOnce(index, (KvCommand.Write) cmd, false);
    }
    lastAppliedIndex = index;
    hashes.record(index, stateHash());
    return result;
  }

  /** Marks a log entry with no state change (a leader's no-op) as applied. */
  public void applyNoop(long index) {
    advanceTo(index);
    lastAppliedIndex = index;
    hashes.record(index, stateHash());
  }

  private void advanceTo(long index) {
    if (index <= lastAppliedIndex) {
      throw new IllegalStateException(
          "index " + index + " already applied (last " + lastAppliedIndex + ")");
    }
  }

  /**
   * @param legacy the write comes from the encoding before registration, where an unknown client id
   *     opened a session: the only way to replay such a log to the state the other replicas reached
   */
  private KvResult applyOnce(long index, KvCommand.Write cmd, boolean legacy) {
    String clientId = cmd.clientId();
    if (clientId == null) {
      return execute(index, cmd);
    }
    ClientSessions.Session session = sessions.get(clientId);
    if (session == null && !legacy) {
      // Maybe a retry of a write this session applied before it expired or was evicted: applying it
      // could apply it twice, and the recorded answer is gone. Refused on every replica alike; the
      // client learns its outcome is unknown and must read before it retries under a new session.
      return KvResult.SESSION_EXPIRED;
    }
    if (session != null && cmd.seq() <= session.lastSeq()) {
      sessions.touch(clientId, session, clock);
      return cmd.seq() == session.lastSeq() ? session.lastResult() : KvResult.STALE_REQUEST;
    }
    KvResult result = execute(index, cmd);
    sessions.record(clientId, cmd.seq(), result, clock);
    return result;
  }

  private KvResult execute(long index, KvCommand.Write cmd) {
    ConcurrentSkipListMap<String, Versioned> data = this.data;
    Versioned current = data.get(cmd.key());
    if (cmd instanceof KvCommand.Put put) {
      if (!put.pre().holds(current)) {
        return KvResult.preconditionFailed(revisionOf(current));
      }
      store(put.key(), new Versioned(put.value(), index), current);
      return KvResult.ok(index);
    }
    if (cmd instanceof KvCommand.Append append) {
      store(append.key(), new Versioned(concat(current, append.value()), index), current);
      return KvResult.ok(index);
    }
    KvCommand.Delete delete = (KvCommand.Delete) cmd;
    if (!delete.pre().holds(current)) {
      return KvResult.preconditionFailed(revisionOf(current));
    }
    if (current == null) {
      return KvResult.NOT_FOUND;
    }
    data.remove(delete.key());
    dataDigest -= StateDigest.ofKey(delete.key(), current);
    size--;
    return KvResult.ok(index);
  }

  private void store(String key, Versioned value, Versioned previous) {
    this.data.put(key, value);
    dataDigest += StateDigest.ofKey(key, value);
    if (previous == null) {
      size++;
    } else {
      dataDigest -= StateDigest.ofKey(key, previous);
    }
  }

  /** Copy-on-write: readers may hold the old array, so it is never modified in place. */
  private static byte[] concat(Versioned current, byte[] suffix) {
    if (current == null) {
      return suffix;
    }
    byte[] prefix = current.value();
    byte[] joined = new byte[prefix.length + suffix.length];
    System.arraycopy(prefix, 0, joined, 0, prefix.length);
    System.arraycopy(suffix, 0, joined, prefix.length, suffix.length);
    return joined;
  }

  private static long revisionOf(Versioned v) {
    return v == null ? 0 : v.revision();
  }

  public Optional<Versioned> get(String key) {
    return Optional.ofNullable(data.get(key));
  }

  /**
   * Up to {@code limit} keys starting with {@code prefix}, in ascending order, strictly after
   * {@code startAfter} (null = from the first). Pass the last key of a page as {@code startAfter}
   * to get the next one.
   */
  public List<String> keys(String prefix, String startAfter, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    String p = prefix == null ? "" : prefix;
    ConcurrentSkipListMap<String, Versioned> data = this.data;
    Map<String, Versioned> tail =
        startAfter != null && startAfter.compareTo(p) >= 0
            ? data.tailMap(startAfter, false)
            : data.tailMap(p, true);
    List<String> page = new ArrayList<>(Math.min(limit, 64));
    for (String key : tail.keySet()) {
      if (!key.startsWith(p) || page.size() == limit) {
        break; // sorted order: once past the prefix, no later key can match
      }
      page.add(key);
    }
    return page;
  }

  public long size() {
    return size;
  }

  public long lastAppliedIndex() {
    return lastAppliedIndex;
  }

  /** The deterministic session clock: the largest leader timestamp applied so far. */
  public long clockMillis() {
    return clock;
  }

  public int sessionCount() {
    return sessions.size();
  }

  /** For tests: sessions in activity order. */
  Map<String, ClientSessions.Session> sessionsView() {
    return sessions.view();
  }

  /**
   * A point-in-time copy of the whole state (data, sessions, clock, last applied index) that can be
   * written out from any thread while this state machine goes on applying. Must be taken on the
   * applier thread: only the applier changes the map, so one pass over it in key order is a
   * consistent cut. Keys, values and session records are immutable, so copying references is
   * enough; they go into two arrays (8 bytes a key with compressed oops, a fifth of what a TreeMap
   * copy cost), with no encoding and no I/O. This pass is the only pause a snapshot causes;
   * bench/memory.sh measures it.
   */
  public Image capture() {
    int count = Math.toIntExact(size);
    String[] keys = new String[count];
    Versioned[] values = new Versioned[count];
    int[] filled = {0};
    // forEach walks the skip list's nodes without allocating an entry object per key, as entrySet()
    // would.
    data.forEach(
        (key, value) -> {
          int i = filled[0]++;
          keys[i] = key;
          values[i] = value;
        });
    if (filled[0] != count) {
      throw new IllegalStateException(
          "key count " + count + " but " + filled[0] + " keys in the map");
    }
    return new Image(lastAppliedIndex, clock, keys, values, sessions.copy());
  }

  /** See {@link #capture()}; {@link #writeTo} produces the format {@link #readSnapshot} reads. */
  public static final class Image {
    private final long lastAppliedIndex;
    private final long clock;

    /** Ascending, as the map iterates; {@code values[i]} belongs to {@code keys[i]}. */
    private final String[] keys;

    private final Versioned[] values;
    private final ClientSessions sessions;

    private Image(
        long lastAppliedIndex,
        long clock,
        String[] keys,
        Versioned[] values,
        ClientSessions sessions) {
      this.lastAppliedIndex = lastAppliedIndex;
      this.clock = clock;
      this.keys = keys;
      this.values = values;
      this.sessions = sessions;
    }

    public long lastAppliedIndex() {
      return lastAppliedIndex;
    }

    /**
     * Writes the image; does not close {@code out}.
     *
     * <pre>
     * byte version; varint lastAppliedIndex; varint clock;
     * varint keyCount; (string key, bytes value, varint revision)*   ascending key order
     * varint sessionCount; (string id, varint seq, byte status, varint revision, varint lastActive)*   oldest first
     * int CRC32C of everything before it
     * </pre>
     */
    public void writeTo(OutputStream out) throws IOException {
      BufferedOutputStream buffered = new BufferedOutputStream(out, 1 << 16);
      CheckedOutputStream checked = new CheckedOutputStream(buffered, new CRC32C());
      DataOutputStream body = new DataOutputStream(checked);
      body.writeByte(SNAPSHOT_VERSION);
      Wire.writeVarLong(body, lastAppliedIndex);
      Wire.writeVarLong(body, clock);
      Wire.writeVarLong(body, keys.length);
      for (int i = 0; i < keys.length; i++) {
        Wire.writeString(body, keys[i]);
        Wire.writeBytes(body, values[i].value());
        Wire.writeVarLong(body, values[i].revision());
      }
      sessions.writeTo(body);
      body.flush();
      new DataOutputStream(buffered).writeInt((int) checked.getChecksum().getValue());
      buffered.flush();
    }
  }

  /**
   * Writes data, sessions, clock and last applied index. Must run on the applier thread (or while
   * nothing applies), so that it is a consistent cut at {@link #lastAppliedIndex()}. Does not close
   * {@code out}. See {@link Image#writeTo} for the format.
   */
  public void writeSnapshot(OutputStream out) throws IOException {
    capture().writeTo(out);
  }

  /**
   * Replaces this state machine's whole state with {@code other}'s (a snapshot read by {@link
   * #readSnapshot}), on the applier thread. Readers switch from the old data to the new at one
   * volatile write.
   */
  public void restore(KvStateMachine other) {
    this.sessions = other.sessions;
    this.clock = other.clock;
    this.size = other.size;
    this.data = other.data;
    this.dataDigest = other.dataDigest;
    this.lastAppliedIndex = other.lastAppliedIndex;
    hashes.record(lastAppliedIndex, stateHash());
  }

  /**
   * Restores a state machine written by {@link #writeSnapshot}; corrupt or truncated input gives an
   * IOException.
   */
  public static KvStateMachine readSnapshot(InputStream in, long sessionTtlMillis, int maxSessions)
      throws IOException {
    return readSnapshot(in, sessionTtlMillis, maxSessions, DEFAULT_SESSION_MIN_IDLE_MILLIS);
  }

  /**
   * As {@link #readSnapshot(InputStream, long, int)}, with the session table's minimum idle time
   * for eviction.
   */
  public static KvStateMachine readSnapshot(
      InputStream in, long sessionTtlMillis, int maxSessions, long sessionMinIdleMillis)
      throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in);
    CheckedInputStream checked = new CheckedInputStream(buffered, new CRC32C());
    DataInputStream body = new DataInputStream(checked);
    try {
      int version = body.readUnsignedByte();
      if (version != SNAPSHOT_VERSION) {
        throw new IOException("unsupported snapshot version " + version);
      }
      // Its hashes are never read: restore() records the hash into the receiving state machine's
      // own.
      KvStateMachine sm =
          new KvStateMachine(sessionTtlMillis, maxSessions, sessionMinIdleMillis, 1);
      sm.lastAppliedIndex = Wire.readVarLong(body);
      sm.clock = Wire.readVarLong(body);
      long count = Wire.readVarLong(body);
      for (long i = 0; i < count; i++) {
        String key = Wire.readString(body);
        Versioned v = new Versioned(Wire.readBytes(body, MAX_VALUE_BYTES), Wire.readVarLong(body));
        if (v.revision() > sm.lastAppliedIndex || sm.data.put(key, v) != null) {
          throw new IOException("corrupt snapshot: bad entry for key " + key);
        }
        sm.dataDigest += StateDigest.ofKey(key, v);
      }
      sm.size = count;
      sm.sessions.readFrom(body);
      long expected = checked.getChecksum().getValue();
      long actual = Integer.toUnsignedLong(new DataInputStream(buffered).readInt());
      if (expected != actual) {
        throw new IOException("snapshot checksum mismatch");
      }
      return sm;
    } catch (IllegalArgumentException e) {
      // e.g. an unknown status code: still corruption, reported like the rest
      throw new IOException("corrupt snapshot: " + e.getMessage(), e);
    }
  }

  public static KvStateMachine readSnapshot(InputStream in) throws IOException {
    return readSnapshot(in, DEFAULT_SESSION_TTL_MILLIS, DEFAULT_MAX_SESSIONS);
  }
}
