package io.kvraft.raft.harness;

import io.kvraft.raft.Entry;
import io.kvraft.raft.HardState;
import io.kvraft.raft.Message;
import io.kvraft.raft.RaftCore;
import io.kvraft.raft.ReadState;
import io.kvraft.raft.Ready;
import io.kvraft.raft.SnapshotMeta;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Carries out a {@link RaftCore}'s {@link Ready} batches for a test harness, in the order the
 * production node does ({@code io.kvraft.node.RaftNode#processReady} and {@code #onWritesDurable}),
 * so that simulations test that order:
 *
 * <ol>
 *   <li>send {@link Ready#messages} at once;
 *   <li>when {@link Ready#snapshot} is set, load the accepted snapshot into the state machine;
 *   <li>when the Ready {@link Ready#mustPersist must persist}, issue one {@link Write} (hard state,
 *       entries, the snapshot's compaction) carrying {@link Ready#messagesAfterPersist}; otherwise
 *       those messages are sent at once when no write is in flight, or else ride on the newest
 *       write in flight (writes complete in order, so once it is durable everything they confirm is
 *       too);
 *   <li>apply {@link Ready#committed} (already durable locally: the write just issued need not be
 *       done);
 *   <li>hand over {@link Ready#readStates};
 *   <li>start snapshot transfers to the {@link Ready#snapshotNeeded} peers.
 * </ol>
 *
 * Writes become durable in issue order; the harness says when with {@link #durable()}, which (as
 * {@code RaftNode#onWritesDurable}) tells the core the last entry is persisted and then sends the
 * messages that waited. A harness with instant storage calls it from {@link Host#persist}; one with
 * a slow disk calls it later. One driver serves one incarnation of one core: a crash throws it away
 * with the writes in flight.
 */
public final class ReadyDriver {
  /** One Ready's worth of storage work, and the messages that may only leave once it is durable. */
  public record Write(
      HardState hardState,
      List<Entry> entries,
      SnapshotMeta snapshot,
      List<Message> afterPersist) {}

  /** What a harness does at each step; the driver calls these in the order above. */
  public interface Host {
    void send(Message m);

    /**
     * The core accepted a snapshot from the leader: replace the state machine before applying
     * anything after it.
     */
    default void loadSnapshot(SnapshotMeta snapshot) {}

    /**
     * Start writing {@code w}; call {@link #durable()} once it (and every earlier write) is
     * durable.
     */
    void persist(Write w);

    /** Apply {@code committed} in order (called for every Ready, also with none). */
    void apply(List<Entry> committed);

    default void readState(ReadState rs) {}

    void snapshotNeeded(String peer);

    /** Every step of {@code r} is done (production snapshots its state machine at this point). */
    default void afterReady(Ready r) {}
  }

  private final RaftCore core;
  private final Host host;
  private final ArrayDeque<Write> inFlight = new ArrayDeque<>();

  public ReadyDriver(RaftCore core, Host host) {
    this.core = core;
    this.host = host;
  }

  public RaftCore core() {
    return core;
  }

  /** Carries out Ready batches until the core has none. */
  public void drain() {
    while (core.hasReady()) {
      handle(core.ready());
    }
  }

  private void handle(Ready rd) {
    rd.messages().forEach(host::send);
    if (rd.snapshot() != null) {
      host.loadSnapshot(rd.snapshot());
    }
    if (rd.mustPersist()) {
      Write w =
          new Write(
              rd.hardState(),
              rd.entries(),
              rd.snapshot(),
              new ArrayList<>(rd.messagesAfterPersist()));
      inFlight.addLast(w);
      host.persist(w);
    } else if (!rd.messagesAfterPersist().isEmpty()) {
      if (inFlight.isEmpty()) {
        rd.messagesAfterPersist().forEach(host::send);
      } else {
        inFlight.peekLast().afterPersist().addAll(rd.messagesAfterPersist());
      }
    }
    host.apply(rd.committed());
    rd.readStates().forEach(host::readState);
    rd.snapshotNeeded().forEach(host::snapshotNeeded);
    host.afterReady(rd);
  }

  /** Writes issued and not yet reported durable. */
  public int writesInFlight() {
    return inFlight.size();
  }

  /**
   * The oldest write in flight is durable: tells the core its last entry is persisted, then sends
   * the messages that waited for it. Returns that write.
   */
  public Write durable() {
    Write w = inFlight.pollFirst();
    if (w == null) {
      throw new IllegalStateException("no write in flight");
    }
    if (!w.entries().isEmpty()) {
      Entry last = w.entries().get(w.entries().size() - 1);
      core.persisted(last.index(), last.term());
    }
    w.afterPersist().forEach(host::send);
    return w;
  }
}
