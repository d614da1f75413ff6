package io.kvraft.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kvraft.config.HashCheckProperties;
import io.kvraft.config.KvraftConfiguration.PeerTrust;
import io.kvraft.kv.KvStateMachine;
import io.kvraft.kv.StateHashes;
import io.kvraft.tls.TrustStore;
import io.kvraft.transport.AddressBook;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Compares this member's key-value state with the other members' (etcd's corruption check): every
 * {@code kv.hash-check.interval} it asks each member for its latest applied index, picks the
 * highest index all of them (and this member) have applied and still hold a hash for, asks each for
 * its hash there and lets {@link HashComparison} decide. A member found {@linkplain
 * HashComparison.Outcome#DIVERGED diverged} marks itself so ({@link StateHashes#markDiverged}):
 * health component {@code stateHash} goes DOWN (and with it readiness), gauge {@code
 * kvraft_state_diverged} becomes 1, an ERROR is logged, and every request it would answer from its
 * own state (reads, listings, registrations, writes it applies as leader) is answered 503 {@code
 * urn:kvraft:problem:state-diverged}; a write it relays is answered by the leader. A member that
 * sees another differ while a quorum confirms its own state only logs it and counts it.
 */
@Component
public class ReplicaHashCheck implements DisposableBean {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaHashCheck.class);

  private final AddressBook members;
  private final StateHashes hashes;
  private final HashCheckProperties props;
  private final ObjectMapper json;
  private final OkHttpClient http;
  private final Map<HashComparison.Outcome, Counter> rounds =
      new EnumMap<>(HashComparison.Outcome.class);
  private final ScheduledExecutorService timer;
  private volatile HashComparison.Verdict last;

  public ReplicaHashCheck(
      AddressBook members,
      KvStateMachine stateMachine,
      HashCheckProperties props,
      PeerTrust trust,
      ObjectMapper json,
      MeterRegistry registry) {
    this.members = members;
    this.hashes = stateMachine.hashes();
    this.props = props;
    this.json = json;
    this.http =
        TrustStore.apply(trust.store(), new OkHttpClient.Builder())
            .callTimeout(props.timeout())
            .build();
    for (HashComparison.Outcome o : HashComparison.Outcome.values()) {
      rounds.put(
          o,
          Counter.builder("kvraft.state.hash.rounds")
              .description("Rounds of state-hash comparison with the other members, by outcome")
              .tag("outcome", o.name().toLowerCase())
              .register(registry));
    }
    Gauge.builder("kvraft.state.diverged", hashes, h -> h.diverged().isPresent() ? 1 : 0)
        .description(
            "1 once this member found its state differs from a quorum's; it then serves no requests")
        .register(registry);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "kvraft-hash-check");
              t.setDaemon(true);
              return t;
            });
  }

  /** Periodic rounds start once the member serves, so the first does not slow start-up. */
  @EventListener(ApplicationReadyEvent.class)
  public void startPeriodicRounds() {
    long every = props.interval().toMillis();
    if (every > 0) {
      timer.scheduleWithFixedDelay(this::roundQuietly, every, every, TimeUnit.MILLISECONDS);
    }
  }

  /** The verdict of the last round that compared anything. */
  public Optional<HashComparison.Verdict> lastVerdict() {
    return Optional.ofNullable(last);
  }

  private void roundQuietly() {
    try {
      round();
    } catch (RuntimeException e) {
      LOG.warn("state hash comparison failed: {}", e.toString());
    }
  }

  /** One comparison with every member that answers; empty when there was nothing to compare. */
  public Optional<HashComparison.Verdict> round() {
    Optional<StateHashes.At> mine = hashes.latest();
    if (mine.isEmpty()) {
      return Optional.empty();
    }
    long oldest = hashes.oldest();
    Map<String, StateHashes.At> latest = new HashMap<>();
    long common = mine.get().index();
    for (String id : members.ids()) {
      if (id.equals(members.self())) {
        continue;
      }
      Optional<StateHashes.At> theirs = fetch(id, null);
      // A member further behind than this one's history cannot be compared this round.
      if (theirs.isPresent() && theirs.get().index() >= oldest) {
        latest.put(id, theirs.get());
        common = Math.min(common, theirs.get().index());
      }
    }
    Map<String, Long> atCommon = new HashMap<>();
    for (Map.Entry<String, StateHashes.At> e : latest.entrySet()) {
      if (e.getValue().index() == common) {
        atCommon.put(e.getKey(), e.getValue().hash());
      } else {
        long at = common;
        fetch(e.getKey(), at).ifPresent(h -> atCommon.put(e.getKey(), h.hash()));
      }
    }
    OptionalLong own = hashes.at(common);
    if (own.isEmpty()) {
      return Optional.empty(); // applied so much meanwhile that the index fell out of the history
    }
    HashComparison.Verdict v =
        HashComparison.decide(members.ids().size(), common, own.getAsLong(), atCommon);
    rounds.get(v.outcome()).increment();
    switch (v.outcome()) {
      case DIVERGED -> {
        if (hashes.diverged().isEmpty()) {
          LOG.error(
              "THIS MEMBER'S STATE HAS DIVERGED from the cluster's; it answers no client request"
                  + " until it is restarted or replaced: {}",
              v.describe());
        }
        hashes.markDiverged(v.describe());
      }
      case OTHERS_DIFFER ->
          LOG.error(
              "members {} hold a state different from this member's and a quorum's: {}",
              v.differing().keySet(),
              v.describe());
      default -> {}
    }
    if (v.outcome() != HashComparison.Outcome.NOTHING_TO_COMPARE) {
      last = v;
    }
    return Optional.of(v);
  }

  private Optional<StateHashes.At> fetch(String id, Long index) {
    HttpUrl base = HttpUrl.parse(members.url(id));
    if (base == null) {
      return Optional.empty();
    }
    HttpUrl.Builder url = base.newBuilder().addPathSegments("actuator/hash");
    if (index != null) {
      url.addQueryParameter("index", Long.toString(index));
    }
    try (Response r = http.newCall(new Request.Builder().url(url.build()).build()).execute()) {
      if (r.code() != 200 || r.body() == null) {
        return Optional.empty();
      }
      JsonNode body = json.readTree(r.body().byteStream());
      return Optional.of(
          new StateHashes.At(
              body.path("index").asLong(), Long.parseUnsignedLong(body.path("hash").asText(), 16)));
    } catch (IOException | RuntimeException e) {
      LOG.debug("no state hash from {}: {}", id, e.toString());
      return Optional.empty();
    }
  }

  @Override
  public void destroy() {
    timer.shutdownNow();
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }
}
