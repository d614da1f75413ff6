package io.kvraft.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvraft.node.RaftNode;
import io.kvraft.raft.Message;
import io.kvraft.transport.MessageCodec;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code /raft/stream/*} (design §4) frame by frame: keep-alives and an orderly end are fine, and a
 * bad frame ends the stream with the status a posted batch would get, without disturbing the node.
 */
class RaftStreamEndpointTest extends LiveNodeTestBase {

  @Test
  void keepAlivesAndAnOrderlyEndAreAccepted() {
    HttpResponse<String> r =
        stream("/raft/stream/heartbeat", frames(new byte[0], new byte[0], new byte[0]));
    assertThat(r.statusCode()).isEqualTo(200);
  }

  @Test
  void aFrameFromAStrangerEndsTheStreamWith403AndChangesNothing() {
    long term = bean(RaftNode.class).status().term();
    byte[] batch =
        MessageCodec.encode(List.of(new Message.HeartbeatResponse("n9", "n1", term + 100, 0)));
    HttpResponse<String> r = stream("/raft/stream/heartbeat", frames(new byte[0], batch));
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
    assertThat(bean(RaftNode.class).status().term()).isEqualTo(term);
  }

  @Test
  void aMessageOfAnotherFamilyIs400() {
    byte[] batch = MessageCodec.encode(List.of(new Message.HeartbeatResponse("n1", "n1", 1, 0)));
    assertThat(stream("/raft/stream/append", frames(batch)).statusCode()).isEqualTo(400);
  }

  @Test
  void garbageAndOversizedFramesEndTheStream() {
    assertThat(stream("/raft/stream/append", frames(new byte[] {1, 2, 3, 4, 5})).statusCode())
        .isEqualTo(400);
    byte[] huge = {0x7f, 0x7f, 0x7f, 0x7f};
    assertThat(stream("/raft/stream/append", huge).statusCode()).isEqualTo(413);
    byte[] negative = {(byte) 0xff, 0, 0, 0};
    assertThat(stream("/raft/stream/append", negative).statusCode()).isEqualTo(413);
    // a frame cut short by the sender: the node reads to the end and treats it as a broken stream
    byte[] truncated = {0, 0, 0, 10, 1, 2};
    HttpResponse<String> cut = stream("/raft/stream/append", truncated);
    assertThat(cut.statusCode()).isBetween(400, 499);
    assertThat(send("GET", "/actuator/health/liveness", null).statusCode()).isEqualTo(200);
  }

  private static byte[] frames(byte[]... batches) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      for (byte[] b : batches) {
        out.writeInt(b.length);
        out.write(b);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static HttpResponse<String> stream(String path, byte[] body) {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base() + path))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/octet-stream")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    try {
      return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
