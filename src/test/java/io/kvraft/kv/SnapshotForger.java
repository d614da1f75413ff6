package io.kvraft.kv;

import io.kvraft.raft.log.SnapshotStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Writes snapshots that every checksum accepts but whose state differs from what was applied: what
 * a bug in the snapshot code, or corruption before the checksum was computed, would leave. Tests
 * use it to make one replica diverge on purpose.
 */
public final class SnapshotForger {
  /** A decoded image that a test may change before it is encoded again. */
  public static final class State {
    public long lastApplied;
    public long clock;
    public final TreeMap<String, Versioned> data = new TreeMap<>();
    final LinkedHashMap<String, ClientSessions.Session> sessions = new LinkedHashMap<>();

    /** Drops the least recently used client session, if any. */
    public void dropOldestSession() {
      sessions.keySet().stream().findFirst().ifPresent(sessions::remove);
    }

    public int sessionCount() {
      return sessions.size();
    }
  }

  private SnapshotForger() {}

  /** Decodes {@code image} (a state machine snapshot), lets {@code change} edit it, encodes it. */
  public static byte[] forge(byte[] image, Consumer<State> change) throws IOException {
    KvStateMachine sm = KvStateMachine.readSnapshot(new ByteArrayInputStream(image));
    State s = new State();
    s.lastApplied = sm.lastAppliedIndex();
    s.clock = sm.clockMillis();
    for (String key = null; ; ) {
      var page = sm.keys("", key, 1000);
      if (page.isEmpty()) {
        break;
      }
      for (String k : page) {
        s.data.put(k, sm.get(k).orElseThrow());
      }
      key = page.get(page.size() - 1);
    }
    s.sessions.putAll(sm.sessionsView());
    change.accept(s);
    return encode(s);
  }

  /**
   * Rewrites the newest snapshot of the data directory {@code dataDir} (of a stopped member) in
   * place, at the same index and term, with {@code change} applied.
   */
  public static void forgeNewest(Path dataDir, Consumer<State> change) throws IOException {
    SnapshotStore store = SnapshotStore.open(dataDir, true);
    SnapshotStore.Meta meta =
        store
            .newestValid()
            .orElseThrow(() -> new IllegalStateException("no snapshot in " + dataDir));
    byte[] image;
    try (InputStream in = store.openContent(meta)) {
      image = in.readAllBytes();
    }
    byte[] forged = forge(image, change);
    store.save(meta.index(), meta.term(), out -> out.write(forged));
  }

  /** The format of {@link KvStateMachine.Image#writeTo}, written again here on purpose. */
  private static byte[] encode(State s) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte(1);
    Wire.writeVarLong(out, s.lastApplied);
    Wire.writeVarLong(out, s.clock);
    Wire.writeVarLong(out, s.data.size());
    for (Map.Entry<String, Versioned> e : s.data.entrySet()) {
      Wire.writeString(out, e.getKey());
      Wire.writeBytes(out, e.getValue().value());
      Wire.writeVarLong(out, e.getValue().revision());
    }
    Wire.writeVarLong(out, s.sessions.size());
    for (Map.Entry<String, ClientSessions.Session> e : s.sessions.entrySet()) {
      ClientSessions.Session session = e.getValue();
      Wire.writeString(out, e.getKey());
      Wire.writeVarLong(out, session.lastSeq());
      out.writeByte(session.lastResult().status().code);
      Wire.writeVarLong(out, session.lastResult().revision());
      Wire.writeVarLong(out, session.lastActiveMillis());
    }
    out.flush();
    CRC32C crc = new CRC32C();
    crc.update(bytes.toByteArray());
    out.writeInt((int) crc.getValue());
    return bytes.toByteArray();
  }
}
