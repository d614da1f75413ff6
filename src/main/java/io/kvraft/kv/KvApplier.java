package io.kvraft.kv;

import io.kvraft.node.Applier;
import io.kvraft.raft.Entry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Feeds committed Raft entries to the key-value state machine, and snapshots it. */
public final class KvApplier implements Applier {
  private final KvStateMachine stateMachine;
  private final long sessionTtlMillis;
  private final int maxSessions;
  private final long sessionMinIdleMillis;

  public KvApplier(KvStateMachine stateMachine) {
    this(
        stateMachine,
        KvStateMachine.DEFAULT_SESSION_TTL_MILLIS,
        KvStateMachine.DEFAULT_MAX_SESSIONS);
  }

  public KvApplier(KvStateMachine stateMachine, long sessionTtlMillis, int maxSessions) {
    this(
        stateMachine,
        sessionTtlMillis,
        maxSessions,
        KvStateMachine.DEFAULT_SESSION_MIN_IDLE_MILLIS);
  }

  public KvApplier(
      KvStateMachine stateMachine,
      long sessionTtlMillis,
      int maxSessions,
      long sessionMinIdleMillis) {
    this.stateMachine = stateMachine;
    this.sessionTtlMillis = sessionTtlMillis;
    this.maxSessions = maxSessions;
    this.sessionMinIdleMillis = sessionMinIdleMillis;
  }

  @Override
  public Object apply(Entry entry) {
    if (entry.type() != Entry.Type.COMMAND) {
      // Leader no-ops (and any entry the Raft layer keeps for itself) only move the applied index
      // here.
      stateMachine.applyNoop(entry.index());
      return null;
    }
    // Only KvService proposes and it encodes what it validated, so a decode failure here means a
    // corrupt log: stopping the node is better than applying something else than the other replicas
    // did.
    return stateMachine.apply(entry.index(), KvCommandCodec.decode(entry.data()));
  }

  @Override
  public Image capture() {
    KvStateMachine.Image image = stateMachine.capture();
    return new Image() {
      @Override
      public long index() {
        return image.lastAppliedIndex();
      }

      @Override
      public void writeTo(OutputStream out) throws IOException {
        image.writeTo(out);
      }
    };
  }

  @Override
  public Loaded load(InputStream in) throws IOException {
    KvStateMachine loaded =
        KvStateMachine.readSnapshot(in, sessionTtlMillis, maxSessions, sessionMinIdleMillis);
    return new Loaded() {
      @Override
      public long index() {
        return loaded.lastAppliedIndex();
      }

      @Override
      public void install() {
        stateMachine.restore(loaded);
      }
    };
  }
}
