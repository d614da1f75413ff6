package io.kvraft.ops;

import io.kvraft.transport.AddressBook;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.info.BuildProperties;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/info} section "kvraft": this node's id, the build version and the members (id to
 * URL).
 */
@Component
public class RaftInfoContributor implements InfoContributor {
  private final AddressBook members;
  private final String version;

  public RaftInfoContributor(AddressBook members, ObjectProvider<BuildProperties> build) {
    this.members = members;
    BuildProperties b = build.getIfAvailable();
    String v =
        b != null
            ? b.getVersion()
            : RaftInfoContributor.class.getPackage().getImplementationVersion();
    this.version = v == null ? "unknown" : v;
  }

  @Override
  public void contribute(Info.Builder builder) {
    Map<String, Object> kv = new LinkedHashMap<>();
    kv.put("nodeId", members.self());
    kv.put("version", version);
    kv.put("members", members.asMap());
    builder.withDetail("kvraft", kv);
  }
}
