package io.kvraft.kv;

import io.kvraft.node.NotLeaderException;
import io.kvraft.node.RaftNode;
import io.kvraft.node.UnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The key-value API on one node. Writes go through the Raft log and complete once applied here;
 * linearizable reads wait for a ReadIndex barrier instead of going through the log; stale reads
 * answer from local state.
 *
 * <p>Failures: {@link InvalidRequestException} (nothing changed), {@link NotLeaderException} (ask
 * the leader it names), {@link UnavailableException} (outcome unknown; retry with the same
 * Client-Id and Request-Seq). A write whose Client-Id names no live session completes with {@link
 * KvResult.Status#SESSION_EXPIRED}, applied nowhere.
 */
public final class KvService {
  private final RaftNode node;
  private final KvStateMachine stateMachine;
  private final KvLimits limits;
  private final Duration timeout;
  private final Clock clock;

  public KvService(
      RaftNode node, KvStateMachine stateMachine, KvLimits limits, Duration timeout, Clock clock) {
    this.node = node;
    this.stateMachine = stateMachine;
    this.limits = limits;
    this.timeout = timeout;
    this.clock = clock;
  }

  public CompletableFuture<KvResult> put(
      String key, byte[] value, Precondition pre, ClientRef client) {
    refuseIfDiverged();
    limits.checkKey(key);
    limits.checkValue(value);
    return write(
        new KvCommand.Put(client.clientId(), client.seq(), clock.millis(), key, value, pre));
  }

  public CompletableFuture<KvResult> append(String key, byte[] value, ClientRef client) {
    refuseIfDiverged();
    limits.checkKey(key);
    limits.checkValue(value);
    return write(new KvCommand.Append(client.clientId(), client.seq(), clock.millis(), key, value));
  }

  public CompletableFuture<KvResult> delete(String key, Precondition pre, ClientRef client) {
    refuseIfDiverged();
    limits.checkKey(key);
    return write(new KvCommand.Delete(client.clientId(), client.seq(), clock.millis(), key, pre));
  }

  /**
   * Registers a client session through the log. Completes with {@link KvResult.Status#OK} and the
   * registration's log index as revision (the id is {@link KvStateMachine#sessionId}), or {@link
   * KvResult.Status#SESSIONS_FULL}. A registration whose answer was lost just leaves an unused
   * session behind, which expires like any idle one.
   */
  public CompletableFuture<KvResult> register() {
    refuseIfDiverged();
    return write(new KvCommand.Register(clock.millis()));
  }

  public CompletableFuture<Optional<Versioned>> get(String key, boolean stale) {
    refuseIfDiverged();
    limits.checkKey(key);
    if (stale) {
      return CompletableFuture.completedFuture(stateMachine.get(key));
    }
    return bounded(node.readBarrier()).thenApply(index -> stateMachine.get(key));
  }

  public CompletableFuture<List<String>> keys(
      String prefix, String startAfter, int limit, boolean stale) {
    refuseIfDiverged();
    if (limit < 1 || limit > limits.maxListLimit()) {
      throw InvalidRequestException.bad("limit must be between 1 and " + limits.maxListLimit());
    }
    if (stale) {
      return CompletableFuture.completedFuture(stateMachine.keys(prefix, startAfter, limit));
    }
    return bounded(node.readAtOnePoint(() -> stateMachine.keys(prefix, startAfter, limit)));
  }

  /**
   * A replica whose state differs from a quorum's would answer with wrong values, revisions and
   * precondition outcomes: it answers nothing until an operator restarts or replaces it.
   */
  private void refuseIfDiverged() {
    stateMachine
        .hashes()
        .diverged()
        .ifPresent(
            reason -> {
              throw new StateDivergedException(reason);
            });
  }

  public KvLimits limits() {
    return limits;
  }

  private CompletableFuture<KvResult> write(KvCommand cmd) {
    return bounded(node.propose(KvCommandCodec.encode(cmd))).thenApply(r -> (KvResult) r);
  }

  private <T> CompletableFuture<T> bounded(CompletableFuture<T> f) {
    return f.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .exceptionally(
            e -> {
              Throwable cause =
                  e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
              if (cause instanceof TimeoutException) {
                throw new UnavailableException(
                    "not confirmed within " + timeout.toMillis() + " ms; the outcome is unknown");
              }
              if (cause instanceof RuntimeException re) {
                throw re;
              }
              throw new UnavailableException(cause.toString(), cause);
            });
  }
}
