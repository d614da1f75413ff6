package io.kvraft.web;

import io.kvraft.config.KvraftConfiguration.Members;
import io.kvraft.config.RaftProperties;
import io.kvraft.node.RaftNode;
import io.kvraft.raft.Message;
import io.kvraft.transport.HttpTransport;
import io.kvraft.transport.MessageCodec;
import io.kvraft.transport.SnapshotChunk;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Node-to-node Raft traffic (design §4): batches of binary-encoded messages, one-way. A POST answers 202 as soon
 * as the batch is queued for the event loop; replies travel as messages of their own. Batches are accepted only
 * from members, addressed to this node, on the path of their family, and with the cluster token when one is set.
 */
@RestController
public class RaftController {
  private final RaftNode node;
  private final Members members;
  private final byte[] clusterToken;
  private final long maxBatchBytes;

  public RaftController(RaftNode node, Members members, RaftProperties raft) {
    this.node = node;
    this.members = members;
    // A batch holds at most one byte limit of entries, plus one oversized entry that travels alone; leave headroom.
    this.maxBatchBytes = Math.min(Integer.MAX_VALUE - 1, 4 * raft.maxBytesPerAppend() + (64L << 20));
    this.clusterToken =
        raft.clusterToken() == null || raft.clusterToken().isEmpty()
            ? null
            : raft.clusterToken().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * InstallSnapshot, one chunk per POST (see {@link SnapshotChunk}). Unlike the one-way families this answers with the
   * follower's reply: where to resume, or that the snapshot is installed and durable (the last chunk waits for it).
   */
  @PostMapping(path = "/raft/snapshot", consumes = "application/octet-stream", produces = "application/octet-stream")
  public ResponseEntity<byte[]> snapshot(
      @RequestHeader(value = HttpTransport.CLUSTER_TOKEN_HEADER, required = false) String token,
      HttpServletRequest request)
      throws IOException {
    if (!tokenOk(token)) {
      return ResponseEntity.status(HttpStatus.UNAUTHORIZED).build();
    }
    // Chunks are far below the batch bound (raft.snapshot.chunk-bytes, 1 MiB by default).
    SnapshotChunk chunk = SnapshotChunk.decode(readBounded(request));
    if (!members.urls().containsKey(chunk.from()) || !members.self().equals(chunk.to())) {
      return ResponseEntity.status(HttpStatus.FORBIDDEN).build();
    }
    try {
      return ResponseEntity.ok(node.receiveSnapshotChunk(chunk).encode());
    } catch (IOException e) {
      return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).build();
    }
  }

  private boolean tokenOk(String token) {
    return clusterToken == null
        || (token != null && MessageDigest.isEqual(clusterToken, token.getBytes(StandardCharsets.UTF_8)));
  }

  @PostMapping(path = "/raft/{family:append|heartbeat|vote}", consumes = "application/octet-stream")
  public ResponseEntity<Void> receive(
      @PathVariable String family,
      @RequestHeader(value = HttpTransport.CLUSTER_TOKEN_HEADER, required = false) String token,
      HttpServletRequest request)
      throws IOException {
    if (clusterToken != null
        && (token == null
            || !MessageDigest.isEqual(clusterToken, token.getBytes(StandardCharsets.UTF_8)))) {
      return ResponseEntity.status(HttpStatus.UNAUTHORIZED).build();
    }
    List<Message> batch = MessageCodec.decode(readBounded(request));
    String path = "/raft/" + family;
    for (Message m : batch) {
      if (!members.urls().containsKey(m.from()) || !members.self().equals(m.to())) {
        return ResponseEntity.status(HttpStatus.FORBIDDEN).build();
      }
      if (!HttpTransport.pathOf(m).equals(path)) {
        return ResponseEntity.badRequest().build();
      }
    }
    node.receive(batch);
    return ResponseEntity.accepted().build();
  }

  /**
   * Reads a batch, refusing one larger than a sender would ever build (peers bound their batches to the append byte
   * limit), so a stranger cannot make the node buffer an unbounded body.
   */
  private byte[] readBounded(HttpServletRequest request) throws IOException {
    if (request.getContentLengthLong() > maxBatchBytes) {
      throw new BatchTooLargeException();
    }
    try (InputStream in = request.getInputStream()) {
      byte[] body = in.readNBytes((int) maxBatchBytes + 1);
      if (body.length > maxBatchBytes) {
        throw new BatchTooLargeException();
      }
      return body;
    }
  }

  /** A Raft batch over the size any member sends; answered 413. */
  public static final class BatchTooLargeException extends RuntimeException {
    BatchTooLargeException() {
      super("Raft message batch exceeds the size limit");
    }
  }
}
