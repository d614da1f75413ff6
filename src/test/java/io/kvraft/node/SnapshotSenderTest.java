package io.kvraft.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.raft.Message;
import io.kvraft.raft.log.SnapshotStore;
import io.kvraft.transport.SnapshotChunk;
import io.kvraft.transport.SnapshotChunk.Reply;
import io.kvraft.transport.SnapshotChunk.Status;
import io.kvraft.transport.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SnapshotSender} against a scripted follower: a snapshot file that disappears before or
 * during its transfer (issue 12: pruned by newer snapshots while it was being sent) and a follower
 * that takes probes but never a data chunk. Neither may keep the sender busy forever.
 */
class SnapshotSenderTest {
  private static final int CHUNK = 100;

  /** Well above what a bounded transfer needs; a sender that reaches it is looping. */
  private static final int RUNAWAY = 10_000;

  @TempDir Path tmp;

  private SnapshotStore store;
  private final List<SnapshotChunk> chunks = new ArrayList<>();

  /** What the follower received, in offset order: it accepts chunks that continue it. */
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();

  private long receivingIndex = -1;

  /** Runs before each chunk is answered. */
  private Consumer<SnapshotChunk> beforeReply = c -> {};

  private boolean dataChunksFail;

  private final Transport follower =
      new Transport() {
        @Override
        public void send(Message m) {}

        @Override
        public Reply sendSnapshotChunk(SnapshotChunk chunk, Duration timeout) throws IOException {
          chunks.add(chunk);
          beforeReply.accept(chunk);
          if (chunk.data().length > 0 && dataChunksFail) {
            throw new IOException("chunk lost");
          }
          if (chunk.snapshotIndex() != receivingIndex) {
            receivingIndex = chunk.snapshotIndex();
            received.reset();
          }
          if (chunk.offset() == received.size()) {
            received.write(chunk.data());
          }
          return received.size() == chunk.totalLength()
              ? new Reply(Status.DONE, chunk.term(), received.size())
              : new Reply(Status.CONTINUE, chunk.term(), received.size());
        }
      };

  private final SnapshotPolicy policy = SnapshotPolicy.of(0, Duration.ZERO).withChunkBytes(CHUNK);

  private SnapshotSender sender() {
    return new SnapshotSender(
        "a", store, policy, follower, () -> NodeMetrics.NONE, term -> chunks.size() < RUNAWAY);
  }

  @BeforeEach
  void openStore() throws IOException {
    store = SnapshotStore.open(tmp, false);
  }

  private SnapshotStore.Meta save(long index, int bytes) throws IOException {
    byte[] content = new byte[bytes];
    for (int i = 0; i < bytes; i++) {
      content[i] = (byte) (index + i);
    }
    return store.save(index, 1, out -> out.write(content));
  }

  @Test
  void aFileDeletedDuringItsTransferIsStillSentWhole() throws IOException {
    SnapshotStore.Meta m = save(10, 1_000);
    byte[] whole = Files.readAllBytes(m.path());
    // As pruning does once two newer snapshots are written, after the first data chunk.
    beforeReply =
        c -> {
          if (c.data().length > 0) {
            deleteQuietly(m.path());
          }
        };

    SnapshotSender.Result r = sender().transfer("c", m, () -> m, 1);

    assertThat(r).isEqualTo(new SnapshotSender.Result(true, 10, false));
    assertThat(m.path()).doesNotExist();
    assertThat(received.toByteArray()).isEqualTo(whole);
  }

  @Test
  void aFileGoneBeforeItsTransferStartsIsReplacedByTheNewestSnapshot() throws IOException {
    SnapshotStore.Meta older = save(10, 1_000);
    SnapshotStore.Meta newer = save(20, 1_500);
    Files.delete(older.path());

    SnapshotSender.Result r = sender().transfer("c", older, () -> newer, 1);

    assertThat(r).isEqualTo(new SnapshotSender.Result(true, 20, false));
    assertThat(received.toByteArray()).isEqualTo(Files.readAllBytes(newer.path()));
    assertThat(chunks).allMatch(c -> c.snapshotIndex() == 20);
  }

  @Test
  void withNoFileToSendTheResultSaysItWasLost() throws IOException {
    SnapshotStore.Meta m = save(10, 1_000);
    Files.delete(m.path());

    SnapshotSender.Result r = sender().transfer("c", m, () -> m, 1);

    assertThat(r).isEqualTo(new SnapshotSender.Result(false, 10, true));
    assertThat(chunks).isEmpty();
  }

  @Test
  void probesThatSucceedDoNotHideDataChunksThatAlwaysFail() throws IOException {
    SnapshotStore.Meta m = save(10, 1_000);
    dataChunksFail = true;

    SnapshotSender.Result r = sender().transfer("c", m, () -> m, 1);

    assertThat(r.installed()).isFalse();
    assertThat(chunks).as("chunks sent before giving up").hasSizeLessThan(RUNAWAY);
    assertThat(chunks.stream().filter(c -> c.data().length > 0))
        .hasSize(SnapshotSender.MAX_FAILURES);
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
