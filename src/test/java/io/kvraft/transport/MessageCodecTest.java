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
  void aBatchWrittenIntoAStreamIsTheEncodingOfTheMeasuredSize() throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    MessageCodec.writeTo(ALL_KINDS, out);
    assertThat(out.toByteArray()).isEqualTo(MessageCodec.encode(ALL_KINDS));
    assertThat(MessageCodec.encodedSize(ALL_KINDS)).isEqualTo(out.size());
  }

  @Test
  void aBatchIsDecodedOffAStreamWithoutReadingPastIt() throws Exception {
    byte[] one = MessageCodec.encode(ALL_KINDS);
    byte[] two = MessageCodec.encode(List.of(ALL_KINDS.get(0)));
    byte[] both = Arrays.copyOf(one, one.length + two.length);
    System.arraycopy(two, 0, both, one.length, two.length);
    java.io.InputStream in = new java.io.ByteArrayInputStream(both);
    assertThat(MessageCodec.decode(in, one.length)).isEqualTo(ALL_KINDS);
    assertThat(MessageCodec.decode(in, two.length)).containsExactly(ALL_KINDS.get(0));
    assertThat(in.read()).isEqualTo(-1);
    assertThatThrownBy(() -> MessageCodec.decode(new java.io.ByteArrayInputStream(one), one.length + 1))
        .as("a frame longer than its batch")
        .isInstanceOf(MessageCodec.MalformedMessageException.class);
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
