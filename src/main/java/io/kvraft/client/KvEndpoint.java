package io.kvraft.client;

import java.io.IOException;

/** One node as the client reaches it: over HTTP in production, in-process in tests. */
public interface KvEndpoint {
  /** Sends one request. An IOException means the request may or may not have reached the node. */
  KvReply call(KvRequest request) throws IOException;
}
