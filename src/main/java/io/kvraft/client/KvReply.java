package io.kvraft.client;

/**
 * A node's answer, in HTTP terms: {@code status} 200/204 success (201 for a session registration,
 * with the issued client id as UTF-8 {@code value}), 404 absent, 412 precondition failed, 410
 * session expired (outcome unknown, not applied by this attempt), 503 retry elsewhere (outcome
 * unknown), other 4xx a request that can never succeed. {@code leaderHint} is the node id the
 * answering node believes leads, or null.
 */
public record KvReply(int status, byte[] value, long revision, String leaderHint, String detail) {
  public boolean retryable() {
    return status == 503 || status == 502 || status == 504 || status == 500;
  }
}
