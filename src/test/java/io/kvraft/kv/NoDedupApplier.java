package io.kvraft.kv;

import io.kvraft.node.Applier;
import io.kvraft.raft.Entry;
import java.io.IOException;
import java.io.InputStream;

/**
 * A deliberate bug for tests (a mutant): the key-value state machine with its exactly-once check
 * skipped. Every write is applied as if it carried no client id, so a client that re-sends a write
 * whose first attempt committed (its reply lost, or too slow) gets it applied twice. The tests that
 * use it prove that the exactly-once checks catch that; production never sees this class (it is
 * test code, put in where {@link KvApplier} would be).
 */
public final class NoDedupApplier implements Applier {
  private final KvStateMachine stateMachine;
  private final Applier real;

  /**
   * @param real the applier of {@code stateMachine} that this one stands in for: it still applies
   *     everything but client writes, and takes and loads the snapshots
   */
  public NoDedupApplier(KvStateMachine stateMachine, Applier real) {
    this.stateMachine = stateMachine;
    this.real = real;
  }

  public NoDedupApplier(KvStateMachine stateMachine) {
    this(stateMachine, new KvApplier(stateMachine));
  }

  @Override
  public Object apply(Entry entry) {
    if (entry.type() == Entry.Type.COMMAND
        && KvCommandCodec.decode(entry.data()) instanceof KvCommand.Write w
        && w.clientId() != null) {
      return stateMachine.apply(entry.index(), withoutClient(w));
    }
    return real.apply(entry);
  }

  private static KvCommand.Write withoutClient(KvCommand.Write w) {
    if (w instanceof KvCommand.Put p) {
      return new KvCommand.Put(null, 0, p.timestampMillis(), p.key(), p.value(), p.pre());
    }
    if (w instanceof KvCommand.Append a) {
      return new KvCommand.Append(null, 0, a.timestampMillis(), a.key(), a.value());
    }
    KvCommand.Delete d = (KvCommand.Delete) w;
    return new KvCommand.Delete(null, 0, d.timestampMillis(), d.key(), d.pre());
  }

  @Override
  public Image capture() {
    return real.capture();
  }

  @Override
  public Loaded load(InputStream in) throws IOException {
    return real.load(in);
  }
}
