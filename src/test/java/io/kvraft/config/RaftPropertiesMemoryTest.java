package io.kvraft.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvraft.node.MemoryBudget;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: the memory-related defaults follow the heap the node has; explicit settings are used as
 * given.
 */
class RaftPropertiesMemoryTest {
  private static RaftProperties props(Long maxPendingBytes, Long memoryBudgetBytes) {
    return new RaftProperties(
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        maxPendingBytes,
        null,
        memoryBudgetBytes,
        null);
  }

  @Test
  void defaultsAreDerivedFromTheHeap() {
    RaftProperties p = props(null, null);
    long heap = Runtime.getRuntime().maxMemory();
    assertThat(p.memoryBudgetBytes()).isEqualTo(MemoryBudget.defaultBytes()).isEqualTo(heap / 8);
    assertThat(p.maxPendingBytes()).isEqualTo(heap / 16);
    assertThat(p.backPressure().maxPendingBytes()).isEqualTo(heap / 16);
    assertThat(p.snapshot().thresholdBytes())
        .isBetween(1L << 20, 16L << 20)
        .isLessThanOrEqualTo(Math.max(1L << 20, heap / 32));
    assertThat(p.maxQueuedBytesPerPeer())
        .isLessThanOrEqualTo(Math.max(p.maxBytesPerAppend(), heap / 64));
  }

  @Test
  void explicitSettingsAreUsedAsGiven() {
    RaftProperties p = props(5_000_000L, 80_000_000L);
    assertThat(p.memoryBudgetBytes()).isEqualTo(80_000_000L);
    assertThat(p.maxPendingBytes()).isEqualTo(5_000_000L);
    assertThat(props(null, 80_000_000L).maxPendingBytes())
        .as("half the given budget")
        .isEqualTo(40_000_000L);
    assertThat(props(null, 80_000_000L).maxQueuedBytesPerPeer()).isEqualTo(10_000_000L);
    assertThatThrownBy(() -> props(null, 0L)).isInstanceOf(IllegalArgumentException.class);
  }
}
