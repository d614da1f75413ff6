package io.kvraft.ops;

import io.kvraft.kv.KvStateMachine;
import io.kvraft.kv.StateHashes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.lang.Nullable;
import org.springframework.stereotype.Component;

/**
 * {@code GET /actuator/hash[?index=N]}: the hash of this member's key-value state (keys, values,
 * revisions, client sessions) after applying index N, or after its last applied index. Members that
 * applied the same log have the same hash at the same index; {@link ReplicaHashCheck} compares them
 * through this endpoint, and operators and tests can too. 404 when N is not applied yet or no
 * longer kept (the answer says which indexes are).
 */
@Component
@Endpoint(id = "hash")
public class StateHashEndpoint {
  private final StateHashes hashes;

  public StateHashEndpoint(KvStateMachine stateMachine) {
    this.hashes = stateMachine.hashes();
  }

  @ReadOperation
  public WebEndpointResponse<Map<String, Object>> hash(@Nullable Long index) {
    Map<String, Object> body = new LinkedHashMap<>();
    StateHashes.At latest = hashes.latest().orElse(null);
    long wanted = index != null ? index : latest == null ? 0 : latest.index();
    OptionalLong hash = hashes.at(wanted);
    if (hash.isEmpty()) {
      body.put("status", 404);
      body.put(
          "detail",
          latest == null
              ? "nothing applied yet"
              : "index "
                  + wanted
                  + " is not kept: this member holds hashes for indexes "
                  + hashes.oldest()
                  + " to "
                  + latest.index());
      body.put("oldest", hashes.oldest());
      body.put("latest", latest == null ? 0 : latest.index());
      return new WebEndpointResponse<>(body, 404);
    }
    body.put("index", wanted);
    body.put("hash", new StateHashes.At(wanted, hash.getAsLong()).hex());
    body.put("oldest", hashes.oldest());
    hashes.diverged().ifPresent(reason -> body.put("diverged", reason));
    return new WebEndpointResponse<>(body, 200);
  }
}
