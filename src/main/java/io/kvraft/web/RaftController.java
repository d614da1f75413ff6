package io.kvraft.web;

import io.kvraft.config.KvraftConfiguration.Members;
import io.kvraft.config.RaftProperties;
import io.kvraft.node.RaftNode;
import io.kvraft.raft.Message;
import io.kvraft.transport.HttpTransport;
import io.kvraft.transport.MessageCodec;
import io.kvraft.transport.SnapshotChunk;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
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

  public RaftController(RaftNode node, Members members, RaftProperties raft) {
    this.node = node;
    this.members = members;
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
      @RequestBody byte[] body)
      throws MessageCodec.MalformedMessageException {
    if (!tokenOk(token)) {
      return ResponseEntity.status(HttpStatus.UNAUTHORIZED).build();
    }
    SnapshotChunk chunk = SnapshotChunk.decode(body);
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
      @RequestBody byte[] body)
      throws MessageCodec.MalformedMessageException {
    if (clusterToken != null
        && (token == null
            || !MessageDigest.isEqual(clusterToken, token.getBytes(StandardCharsets.UTF_8)))) {
      return ResponseEntity.status(HttpStatus.UNAUTHORIZED).build();
    }
    List<Message> batch = MessageCodec.decode(body);
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
}
