package io.kvraft.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvraft.raft.Entry;
import io.kvraft.raft.Message;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MessageCodecTest {
  private static final List<Message> ALL_KINDS =
      List.of(
          new Message.VoteRequest("n1", "n2", 3, 10, 2, true),
          new Message.VoteResponse("n2", "n1", 3, true, false),
          new Message.AppendRequest(
              "n1",
              "n2",
              3,
              9,
              2,
              List.of(Entry.noop(3, 10), Entry.command(3, 11, "hello".getBytes())),
              8),
          new Message.AppendResponse("n2", "n1", 3, false, 0, 9, 2, 7),
          new Message.Heartbeat("n1", "n3", 3, 8, 42),
          new Message.HeartbeatResponse("n3", "n1", 3, 42),
          new Message.ReadIndexRequest("n3", "n1", 3, 5),
          new Message.ReadIndexResponse("n1", "n3", 3, 5, -1));

  @Test
  void everyMessageKindRoundTrips() throws Exception {
    assertThat(MessageCodec.decode(MessageCodec.encode(ALL_KINDS))).isEqualTo(ALL_KINDS);
  }

  @Test
  void truncatedOrTrailingBytesAreRejected() {
    byte[] good = MessageCodec.encode(ALL_KINDS);
    for (int cut = 0; cut < good.length; cut++) {
      byte[] truncated = Arrays.copyOf(good, cut);
      assertThatThrownBy(() -> MessageCodec.decode(truncated))
          .as("cut at %d", cut)
          .isInstanceOf(MessageCodec.MalformedMessageException.class);
    }
    byte[] trailing = Arrays.copyOf(good, good.length + 1);
    assertThatThrownBy(() -> MessageCodec.decode(trailing))
        .isInstanceOf(MessageCodec.MalformedMessageException.class);
  }

  @Test
  void randomGarbageOnlyEverFailsAsMalformed() {
    long seed = new Random().nextLong();
    Random rnd = new Random(seed);
    byte[] good = MessageCodec.encode(ALL_KINDS);
    for (int i = 0; i < 20_000; i++) {
      byte[] b = rnd.nextBoolean() ? good.clone() : new byte[rnd.nextInt(200)];
      if (b.length > 0) {
        for (int flips = 1 + rnd.nextInt(4); flips > 0; flips--) {
          b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
      }
      try {
        MessageCodec.decode(b);
      } catch (MessageCodec.MalformedMessageException expected) {
        // the only acceptable failure
      } catch (RuntimeException | OutOfMemoryError e) {
        throw new AssertionError("seed " + seed + " case " + i + ": " + e, e);
      }
    }
  }
}
