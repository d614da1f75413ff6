package io.kvraft.web;

import io.kvraft.config.KvraftConfiguration.Members;
import io.kvraft.config.RaftProperties;
import io.kvraft.node.RaftNode;
import io.kvraft.raft.Message;
import io.kvraft.transport.HttpTransport;
import io.kvraft.transport.MessageCodec;
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

  @PostMapping(path = "/raft/{family:append|heartbeat|vote}", consumes = "application/octet-stream")
  public ResponseEntity<Void> receive(
      @PathVariable String family,
      @RequestHeader(value = HttpTransport.CLUSTER_TOKEN_HEADER, required = false) String token,
      @RequestBody byte[] body)
      throws MessageCodec.MalformedMessageException {
    return ResponseEntity.status(accept(family, token, body)).build();
  }

  /**
   * Checks a batch posted to {@code /raft/<family>} and hands it to the node: 202 when queued, 401 without the
   * cluster token, 403 from a non-member or for another node, 400 on the wrong path. {@link RaftFastPathFilter} calls
   * this directly; the mapping above serves whatever the filter passes on.
   */
  int accept(String family, String token, byte[] body) throws MessageCodec.MalformedMessageException {
    if (clusterToken != null
        && (token == null
            || !MessageDigest.isEqual(clusterToken, token.getBytes(StandardCharsets.UTF_8)))) {
      return HttpStatus.UNAUTHORIZED.value();
    }
    List<Message> batch = MessageCodec.decode(body);
    String path = "/raft/" + family;
    for (Message m : batch) {
      if (!members.urls().containsKey(m.from()) || !members.self().equals(m.to())) {
        return HttpStatus.FORBIDDEN.value();
      }
      if (!HttpTransport.pathOf(m).equals(path)) {
        return HttpStatus.BAD_REQUEST.value();
      }
    }
    node.receive(batch);
    return HttpStatus.ACCEPTED.value();
  }
}
