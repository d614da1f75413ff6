package io.kvraft.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Records a concurrent history from many client threads. Call {@link #invoke} just before sending a
 * request and {@link #complete} / {@link #completeUnknown} right after its answer (or give-up), so
 * the recorded interval contains the moment the service really executed it.
 */
public final class HistoryRecorder {
  private record PendingCall(int clientId, KvOp input, long callNanos) {}

  private final LongSupplier clock;
  private final AtomicLong nextOpId = new AtomicLong();
  private final Map<Long, PendingCall> pending = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Operation> finished = new ConcurrentLinkedQueue<>();

  public HistoryRecorder() {
    this(System::nanoTime);
  }

  /**
   * A custom clock lets simulations record deterministic, logical times. It must never go
   * backwards.
   */
  public HistoryRecorder(LongSupplier clock) {
    this.clock = clock;
  }

  public long invoke(int clientId, KvOp input) {
    long opId = nextOpId.getAndIncrement();
    pending.put(opId, new PendingCall(clientId, input, clock.getAsLong()));
    return opId;
  }

  public void complete(long opId, KvOutput output) {
    long returnNanos = clock.getAsLong(); // read the clock first: the answer has already arrived
    PendingCall call = pendingCall(opId);
    finish(
        opId,
        Operation.completed(opId, call.clientId, call.input, output, call.callNanos, returnNanos));
  }

  /**
   * The request may or may not have taken effect, at any later time. A read with unknown outcome
   * constrains nothing, so it is dropped; a write is kept with an open-ended interval.
   */
  public void completeUnknown(long opId) {
    PendingCall call = pendingCall(opId);
    finish(
        opId,
        call.input.isRead()
            ? null
            : Operation.outcomeUnknown(opId, call.clientId, call.input, call.callNanos));
  }

  /**
   * Snapshot ordered by call time. Ops still in flight are reported as outcome-unknown, because
   * their effect may already be visible to completed reads.
   */
  public List<Operation> history() {
    // Pending first, finished second: an op completing meanwhile is then seen in at least one of
    // the two snapshots (finish() adds before it removes), and the finished copy wins.
    Map<Long, PendingCall> inFlight = new HashMap<>(pending);
    Map<Long, Operation> byId = new HashMap<>();
    finished.forEach(op -> byId.put(op.id(), op));
    inFlight.forEach(
        (opId, call) -> {
          if (!call.input.isRead()) {
            byId.putIfAbsent(
                opId, Operation.outcomeUnknown(opId, call.clientId, call.input, call.callNanos));
          }
        });
    List<Operation> ops = new ArrayList<>(byId.values());
    ops.sort(Comparator.comparingLong(Operation::callNanos).thenComparingLong(Operation::id));
    return List.copyOf(ops);
  }

  private PendingCall pendingCall(long opId) {
    PendingCall call = pending.get(opId);
    if (call == null) {
      throw new IllegalStateException("op " + opId + " was never invoked or is already completed");
    }
    return call;
  }

  /** {@code op == null} drops the call from the history (an unknown-outcome read). */
  private void finish(long opId, Operation op) {
    if (op != null) {
      finished.add(op);
    }
    pending.remove(opId);
  }
}
