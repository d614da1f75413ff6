package io.kvraft.kv;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * The hash of this replica's key-value state after each of the last applied indexes, so that
 * members can compare their states at one index although each has applied a different amount
 * (etcd's corruption check does the same with its HashKV at a revision). A replica whose state
 * diverged from the others' (a bug, a bad snapshot, memory or disk corruption that passed the
 * checksums) is found by the first comparison after the divergence, not when it next leads.
 *
 * <p>Also this replica's verdict on itself: once a comparison showed its state differs from what a
 * quorum of members hold, it is {@link #diverged} and serves no client request until restarted (its
 * state is then rebuilt from the snapshot and log, and checked again). The verdict is not
 * replicated and not persisted.
 *
 * <p>Threading: {@link #record} is called by the applier only; everything may be read from any
 * thread.
 */
public final class StateHashes {
  /** The default number of indexes whose hash is kept: a few seconds of writes at full speed. */
  public static final int DEFAULT_HISTORY = 16_384;

  private final long[] hashes;

  /** The indexes held are firstIndex..lastIndex (consecutive); none while lastIndex == 0. */
  private long firstIndex;

  private long lastIndex;
  private volatile String divergence;

  public StateHashes(int history) {
    if (history < 1) {
      throw new IllegalArgumentException("hash history must hold at least one index: " + history);
    }
    this.hashes = new long[history];
  }

  /** A hash at one applied index. */
  public record At(long index, long hash) {
    /** As shown to operators and compared between members: 16 hex digits. */
    public String hex() {
      return String.format("%016x", hash);
    }
  }

  synchronized void record(long index, long hash) {
    if (lastIndex == 0 || index != lastIndex + 1) {
      firstIndex = index; // a restore jumps ahead: what came before says nothing of this state
    } else if (index - firstIndex >= hashes.length) {
      firstIndex++;
    }
    lastIndex = index;
    hashes[(int) (index % hashes.length)] = hash;
  }

  /** The hash after applying {@code index}, if it is still kept. */
  public synchronized OptionalLong at(long index) {
    if (lastIndex == 0 || index < firstIndex || index > lastIndex) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(hashes[(int) (index % hashes.length)]);
  }

  /** The hash at the last applied index (none before the first apply). */
  public synchronized Optional<At> latest() {
    return lastIndex == 0
        ? Optional.empty()
        : Optional.of(new At(lastIndex, hashes[(int) (lastIndex % hashes.length)]));
  }

  /** The oldest index whose hash is still kept (0 if none). */
  public synchronized long oldest() {
    return lastIndex == 0 ? 0 : firstIndex;
  }

  /** Why this replica no longer serves, if a comparison found it diverged. */
  public Optional<String> diverged() {
    return Optional.ofNullable(divergence);
  }

  /** Marks this replica diverged; the first reason stays. */
  public synchronized void markDiverged(String reason) {
    if (divergence == null) {
      divergence = reason;
    }
  }
}
