package io.kvraft.kv;

import io.kvraft.node.Applier;
import io.kvraft.raft.Entry;

/** Feeds committed Raft entries to the key-value state machine. */
public final class KvApplier implements Applier {
  private final KvStateMachine stateMachine;

  public KvApplier(KvStateMachine stateMachine) {
    this.stateMachine = stateMachine;
  }

  @Override
  public Object apply(Entry entry) {
    if (entry.type() == Entry.Type.NOOP) {
      stateMachine.applyNoop(entry.index());
      return null;
    }
    // Only KvService proposes and it encodes what it validated, so a decode failure here means a corrupt log:
    // stopping the node is better than applying something else than the other replicas did.
    return stateMachine.apply(entry.index(), KvCommandCodec.decode(entry.data()));
  }
}
