package io.kvraft.transport;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Found by the fuzz test's reasoning: offset + length must not overflow past the chunk's bounds
 * check.
 */
class SnapshotChunkBoundsTest {
  @Test
  void aChunkWhoseOffsetPlusLengthOverflowsIsMalformed() {
    byte[] body =
        new SnapshotChunk("n1", "n2", 3, 10, 2, 100, Long.MAX_VALUE - 2, new byte[10]).encode();
    assertThatThrownBy(() -> SnapshotChunk.decode(body))
        .isInstanceOf(MessageCodec.MalformedMessageException.class);
  }

  @Test
  void aTruncatedChunkSaysSoWithoutNamingExceptions() {
    byte[] body = new SnapshotChunk("n1", "n2", 3, 10, 2, 100, 0, new byte[10]).encode();
    byte[] cut = java.util.Arrays.copyOf(body, body.length - 4);
    assertThatThrownBy(() -> SnapshotChunk.decode(cut))
        .isInstanceOf(MessageCodec.MalformedMessageException.class)
        .hasMessage("truncated snapshot chunk");
  }
}
