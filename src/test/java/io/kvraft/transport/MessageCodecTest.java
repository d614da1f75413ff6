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
    assertThatThrownBy(
            () -> MessageCodec.decode(new java.io.ByteArrayInputStream(one), one.length + 1))
        .as("a frame longer than its batch")
        .isInstanceOf(MessageCodec.MalformedMessageException.class);
  }

  @Test
  void entryTypesTravelAsTheirFixedTagsAndAnUnknownTagIsRefusedNotMisread() throws Exception {
    byte[] data = "payload-marker".getBytes();
    for (Entry e : List.of(Entry.noop(3, 10), Entry.command(3, 10, data))) {
      byte[] frame =
          MessageCodec.encode(
              List.of(new Message.AppendRequest("n1", "n2", 3, 9, 2, List.of(e), 8)));
      // An entry is term, index, type tag, length, data; the data is last in the frame.
      int tagAt = frame.length - e.data().length - 4 - 1;
      assertThat(frame[tagAt])
          .as("tag of %s", e.type())
          .isEqualTo(e.type() == Entry.Type.NOOP ? (byte) 0 : (byte) 1);
      for (int tag : new int[] {2, 7, 255}) {
        byte[] unknown = frame.clone();
        unknown[tagAt] = (byte) tag;
        assertThatThrownBy(() -> MessageCodec.decode(unknown))
            .as("type tag %d", tag)
            .isInstanceOf(MessageCodec.MalformedMessageException.class)
            .hasMessageContaining("unknown type tag " + tag);
      }
    }
  }

  @Test
  void snapshotReplyStatusesTravelAsTheirFixedTagsAndAnUnknownOneIsRefused() throws Exception {
    for (SnapshotChunk.Status s : SnapshotChunk.Status.values()) {
      byte[] body = new SnapshotChunk.Reply(s, 4, 99).encode();
      assertThat(SnapshotChunk.Reply.decode(body)).isEqualTo(new SnapshotChunk.Reply(s, 4, 99));
      int expectedTag =
          switch (s) {
            case CONTINUE -> 0;
            case DONE -> 1;
            case REJECTED -> 2;
          };
      assertThat(body[1]).as("tag of %s", s).isEqualTo((byte) expectedTag);
    }
    byte[] unknown = new SnapshotChunk.Reply(SnapshotChunk.Status.DONE, 4, 99).encode();
    unknown[1] = 3;
    assertThatThrownBy(() -> SnapshotChunk.Reply.decode(unknown))
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
