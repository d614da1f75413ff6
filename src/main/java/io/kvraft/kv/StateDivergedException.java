package io.kvraft.kv;

/**
 * This replica found its state differs from what a quorum of members hold at the same index (see
 * {@link StateHashes}); it refuses every request, which changes nothing. Other members still serve.
 */
public final class StateDivergedException extends RuntimeException {
  public StateDivergedException(String reason) {
    super(reason);
  }
}
