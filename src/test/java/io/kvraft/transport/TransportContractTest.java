package io.kvraft.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kvraft.raft.Entry;
import io.kvraft.raft.Message;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link Transport} promises, run over each implementation (a subclass starts the
 * receivers and gives the sender's transport): messages of every kind reach the peer they are
 * addressed to, intact; a peer's append messages (AppendEntries and their replies) and snapshot
 * chunks arrive in the order sent, and a chunk's reply comes back; a message for an unknown or
 * unreachable peer is dropped without an exception into the caller, while a chunk for one fails
 * with an IOException, and neither holds up the other peers; after {@link Transport#close()}
 * nothing more is sent.
 */
abstract class TransportContractTest {
  /** The sending member. */
  static final String SENDER = "a";

  /** Members whose receivers record what reaches them. */
  static final String B = "b";

  static final String C = "c";

  /** A member that nothing answers for (down). */
  static final String UNREACHABLE = "down";

  /** Not a member at all. */
  static final String UNKNOWN = "stranger";

  private static final Duration ARRIVAL = Duration.ofSeconds(10);
  private static final Duration CHUNK_TIMEOUT = Duration.ofSeconds(5);

  /** What reaches one receiver, in arrival order. */
  static final class Inbox {
    final List<Message> messages = new CopyOnWriteArrayList<>();
    final List<SnapshotChunk> chunks = new CopyOnWriteArrayList<>();

    void receive(List<Message> batch) {
      messages.addAll(batch);
    }

    /** Asks for the next chunk after this one, in the chunk's term. */
    SnapshotChunk.Reply receiveChunk(SnapshotChunk chunk) {
      chunks.add(chunk);
      return new SnapshotChunk.Reply(
          SnapshotChunk.Status.CONTINUE, chunk.term(), chunk.offset() + chunk.data().length);
    }

    List<Message> appendFamily() {
      return messages.stream()
          .filter(m -> m instanceof Message.AppendRequest || m instanceof Message.AppendResponse)
          .toList();
    }
  }

  /**
   * Starts receivers for {@link #B} and {@link #C} that deliver into {@code inboxes}, and returns
   * the transport of {@link #SENDER}, which also knows {@link #UNREACHABLE} as a member.
   */
  abstract Transport start(Map<String, Inbox> inboxes) throws Exception;

  /** Stops the receivers (the sender's transport is already closed). */
  abstract void stop() throws Exception;

  private final Map<String, Inbox> inboxes = Map.of(B, new Inbox(), C, new Inbox());
  private Transport transport;

  @BeforeEach
  void startTransport() throws Exception {
    transport = start(inboxes);
  }

  @AfterEach
  void stopTransport() throws Exception {
    transport.close();
    stop();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * One message of every kind, with fields that differ from each other, from the sender to {@code
   * to}.
   */
  private static List<Message> everyKind(String to, int salt) {
    byte[] big = new byte[70_000];
    Arrays.fill(big, (byte) salt);
    return List.of(
        new Message.VoteRequest(SENDER, to, 7 + salt, 41, 6, false),
        new Message.VoteRequest(SENDER, to, 8 + salt, 41, 6, true),
        new Message.VoteResponse(SENDER, to, 7 + salt, true, false),
        new Message.VoteResponse(SENDER, to, 8 + salt, false, true),
        new Message.AppendRequest(
            SENDER,
            to,
            7 + salt,
            40,
            6,
            List.of(
                Entry.noop(7, 41),
                Entry.command(7, 42, bytes("x=" + salt)),
                Entry.command(7, 43, big)),
            39),
        new Message.AppendRequest(SENDER, to, 7 + salt, 43, 7, List.of(), 43),
        new Message.AppendResponse(SENDER, to, 7 + salt, true, 43, -1, 0, 0),
        new Message.AppendResponse(SENDER, to, 7 + salt, false, 0, 40, 5, 31),
        new Message.Heartbeat(SENDER, to, 7 + salt, 43, 12),
        new Message.HeartbeatResponse(SENDER, to, 7 + salt, 12),
        new Message.ReadIndexRequest(SENDER, to, 7 + salt, 99),
        new Message.ReadIndexResponse(SENDER, to, 7 + salt, 99, 43),
        new Message.ReadIndexResponse(SENDER, to, 7 + salt, 100, -1));
  }

  private static SnapshotChunk chunk(String to, long term, int i, int size) {
    byte[] data = new byte[size];
    for (int k = 0; k < size; k++) {
      data[k] = (byte) (i * 31 + k);
    }
    return new SnapshotChunk(SENDER, to, term, 500, 4, 20L * size, (long) i * size, data);
  }

  private void awaitArrived(String peer, int count) {
    await()
        .atMost(ARRIVAL)
        .untilAsserted(
            () -> assertThat(inboxes.get(peer).messages).as("messages at %s", peer).hasSize(count));
  }

  @Test
  void everyKindOfMessageReachesTheAddressedPeerIntact() {
    List<Message> toB = everyKind(B, 1);
    List<Message> toC = everyKind(C, 2);
    for (int i = 0; i < toB.size(); i++) {
      transport.send(toB.get(i));
      transport.send(toC.get(i));
    }
    awaitArrived(B, toB.size());
    awaitArrived(C, toC.size());
    // Families may overtake one another (a heartbeat need not wait behind a large append); each
    // arrives once, whole.
    assertThat(inboxes.get(B).messages).containsExactlyInAnyOrderElementsOf(toB);
    assertThat(inboxes.get(C).messages).containsExactlyInAnyOrderElementsOf(toC);
  }

  @Test
  void appendMessagesToAPeerArriveInTheOrderSent() {
    List<Message> sent = new ArrayList<>();
    for (int i = 1; i <= 300; i++) {
      sent.add(
          i % 3 == 0
              ? new Message.AppendResponse(SENDER, B, 3, true, i, -1, 0, 0)
              : new Message.AppendRequest(
                  SENDER, B, 3, i - 1, 3, List.of(Entry.command(3, i, bytes("v" + i))), i - 1));
      if (i % 50 == 0) {
        // other traffic in between, to another peer and on another family
        transport.send(new Message.Heartbeat(SENDER, B, 3, i, i));
        transport.send(new Message.AppendResponse(SENDER, C, 3, true, i, -1, 0, 0));
      }
      transport.send(sent.get(sent.size() - 1));
    }
    awaitArrived(B, 306);
    assertThat(inboxes.get(B).appendFamily()).containsExactlyElementsOf(sent);
    awaitArrived(C, 6);
  }

  @Test
  void snapshotChunksArriveInOrderIntactAndTheirRepliesComeBack() throws IOException {
    List<SnapshotChunk> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      SnapshotChunk c = chunk(B, 9, i, 1000 + i);
      sent.add(c);
      SnapshotChunk.Reply r = transport.sendSnapshotChunk(c, CHUNK_TIMEOUT);
      assertThat(r)
          .isEqualTo(
              new SnapshotChunk.Reply(
                  SnapshotChunk.Status.CONTINUE, 9, c.offset() + c.data().length));
    }
    SnapshotChunk toC = chunk(C, 10, 3, 64);
    assertThat(transport.sendSnapshotChunk(toC, CHUNK_TIMEOUT).nextOffset()).isEqualTo(3 * 64 + 64);

    assertThat(inboxes.get(B).chunks).hasSize(sent.size());
    for (int i = 0; i < sent.size(); i++) {
      assertThat(inboxes.get(B).chunks.get(i).encode())
          .as("chunk %d", i)
          .isEqualTo(sent.get(i).encode());
    }
    assertThat(inboxes.get(C).chunks).hasSize(1);
    assertThat(inboxes.get(C).chunks.get(0).encode()).isEqualTo(toC.encode());
  }

  @Test
  void anUnknownPeerIsDroppedWithoutAnExceptionAndHoldsUpNoOne() {
    assertThatCode(() -> everyKind(UNKNOWN, 3).forEach(transport::send)).doesNotThrowAnyException();
    assertThatThrownBy(() -> transport.sendSnapshotChunk(chunk(UNKNOWN, 9, 0, 100), CHUNK_TIMEOUT))
        .isInstanceOf(IOException.class);
    everyKind(B, 4).forEach(transport::send);
    awaitArrived(B, everyKind(B, 4).size());
    assertThat(inboxes.get(B).messages).allSatisfy(m -> assertThat(m.to()).isEqualTo(B));
  }

  @Test
  void anUnreachablePeerIsDroppedWithoutAnExceptionAndHoldsUpNoOne() {
    assertThatCode(() -> everyKind(UNREACHABLE, 5).forEach(transport::send))
        .doesNotThrowAnyException();
    long start = System.nanoTime();
    assertThatThrownBy(
            () -> transport.sendSnapshotChunk(chunk(UNREACHABLE, 9, 0, 100), CHUNK_TIMEOUT))
        .isInstanceOf(IOException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isLessThan(CHUNK_TIMEOUT.multipliedBy(3));
    everyKind(B, 6).forEach(transport::send);
    everyKind(UNREACHABLE, 7).forEach(transport::send);
    everyKind(C, 8).forEach(transport::send);
    awaitArrived(B, everyKind(B, 6).size());
    awaitArrived(C, everyKind(C, 8).size());
  }

  @Test
  void afterCloseNothingIsSentAndNothingThrowsIntoTheSender() throws InterruptedException {
    transport.send(new Message.Heartbeat(SENDER, B, 1, 0, 1));
    awaitArrived(B, 1);
    transport.close();
    assertThatCode(() -> everyKind(B, 9).forEach(transport::send)).doesNotThrowAnyException();
    assertThatThrownBy(() -> transport.sendSnapshotChunk(chunk(B, 9, 0, 100), CHUNK_TIMEOUT))
        .isInstanceOf(IOException.class);
    assertThatCode(transport::close).as("closing twice").doesNotThrowAnyException();
    Thread.sleep(300);
    assertThat(inboxes.get(B).messages).hasSize(1);
    assertThat(inboxes.get(B).chunks).isEmpty();
  }
}
