package io.kvraft.node;

/**
 * Bounds on work a node has accepted but not finished, so a burst or a stalled disk makes it refuse
 * new work ({@link OverloadedException}) instead of growing its heap until it dies.
 *
 * @param maxPendingProposals proposals accepted as leader and not yet applied (or failed)
 * @param maxPendingBytes the commands of those proposals, summed; one proposal alone is always let
 *     in, so a command larger than this still goes through on an idle node
 * @param maxPendingReads linearizable reads waiting for their ReadIndex round or for the apply that
 *     follows it
 */
public record BackPressure(int maxPendingProposals, long maxPendingBytes, int maxPendingReads) {
  /**
   * Pending bytes default to half the default {@link MemoryBudget}: 16 MiB at -Xmx256m, 128 MiB at
   * 2 GiB.
   */
  public static final BackPressure DEFAULTS =
      new BackPressure(10_000, Math.max(1, MemoryBudget.defaultBytes() / 2), 10_000);

  public BackPressure {
    if (maxPendingProposals < 1 || maxPendingBytes < 1 || maxPendingReads < 1) {
      throw new IllegalArgumentException("back-pressure bounds must be positive");
    }
  }
}
