package io.kvraft.config;

import io.kvraft.kv.KvApplier;
import io.kvraft.kv.KvLimits;
import io.kvraft.kv.KvService;
import io.kvraft.kv.KvStateMachine;
import io.kvraft.node.Applier;
import io.kvraft.node.MemoryBudget;
import io.kvraft.node.NodeMetrics;
import io.kvraft.node.RaftNode;
import io.kvraft.node.SnapshotPolicy;
import io.kvraft.raft.RaftConfig;
import io.kvraft.raft.log.FileRaftStorage;
import io.kvraft.raft.log.RaftStorage;
import io.kvraft.raft.log.SnapshotStore;
import io.kvraft.tls.TrustStore;
import io.kvraft.transport.AddressBook;
import io.kvraft.transport.HttpTransport;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires one kvraft node: storage, state machine, Raft node, transport and the key-value service.
 */
@Configuration
@EnableConfigurationProperties({
  RaftProperties.class,
  KvProperties.class,
  KvAuthProperties.class,
  RaftTlsProperties.class,
  HashCheckProperties.class
})
public class KvraftConfiguration {

  /**
   * What this node trusts when it calls peers over https (null: the JVM's defaults); see {@link
   * RaftTlsProperties}.
   */
  public record PeerTrust(TrustStore store) {}

  @Bean
  PeerTrust peerTrust(RaftTlsProperties tls) {
    return new PeerTrust(tls.load());
  }

  /**
   * Where every member is reached, as {@code raft.peers} lists them; see {@link
   * RaftProperties#members}.
   */
  @Bean
  AddressBook addressBook(RaftProperties raft, @Value("${server.port:8080}") int port) {
    AddressBook book = new AddressBook(raft.nodeId(), raft.members(port));
    if ((raft.clusterToken() == null || raft.clusterToken().isBlank())
        && book.reachesBeyondLoopback()) {
      LoggerFactory.getLogger(KvraftConfiguration.class)
          .warn(
              "No raft.cluster-token is set and members are reached beyond loopback ({}): anyone who"
                  + " can reach /raft/* on this node can speak for a member. Set raft.cluster-token"
                  + " to the same secret on every member.",
              book.asMap().values());
    }
    return book;
  }

  @Bean
  KvStateMachine kvStateMachine(KvProperties kv, HashCheckProperties hashCheck) {
    return new KvStateMachine(
        kv.sessionTtl().toMillis(),
        kv.maxSessions(),
        kv.sessionMinIdle().toMillis(),
        hashCheck.history());
  }

  /**
   * The state machine as the Raft node applies and snapshots it. A bean of its own, so a test can
   * put another in its place (fault tests run members with a deliberate bug this way) without a
   * switch in production code.
   */
  @Bean
  Applier kvApplier(KvStateMachine sm, KvProperties kv) {
    return new KvApplier(
        sm, kv.sessionTtl().toMillis(), kv.maxSessions(), kv.sessionMinIdle().toMillis());
  }

  @Bean(destroyMethod = "")
  RaftStorage raftStorage(RaftProperties raft) throws IOException {
    return FileRaftStorage.open(
        Path.of(raft.dataDir()),
        FileRaftStorage.Options.defaults()
            .withFsync(raft.fsync())
            .withSegmentBytes(raft.segmentBytes()));
  }

  /**
   * The member's budget for client data in memory (issue 12): the node counts its proposals and log
   * against it, the /kv endpoint the writes it relays, and it is there for anything else that holds
   * request bytes.
   */
  @Bean
  MemoryBudget memoryBudget(RaftProperties raft) {
    return new MemoryBudget(raft.memoryBudgetBytes());
  }

  @Bean(destroyMethod = "close")
  RaftNode raftNode(
      RaftProperties raft,
      MemoryBudget memory,
      AddressBook members,
      RaftStorage storage,
      Applier applier,
      PeerTrust trust,
      ObjectProvider<NodeMetrics> metrics)
      throws IOException {
    RaftConfig cfg =
        RaftConfig.defaults()
            .withElectionTicks(raft.electionTicks())
            .withHeartbeatTicks(raft.heartbeatTicks())
            .withBatching(
                raft.maxEntriesPerAppend(), raft.maxBytesPerAppend(), raft.maxInflightAppends());
    HttpTransport transport =
        new HttpTransport(
            members,
            raft.clusterToken(),
            raft.peerTimeout(),
            10_000,
            raft.maxQueuedBytesPerPeer(),
            raft.maxBytesPerAppend(),
            trust.store());
    RaftProperties.Snapshot snap = raft.snapshot();
    SnapshotStore snapshots =
        snap.enabled() ? SnapshotStore.open(Path.of(raft.dataDir()), raft.fsync()) : null;
    SnapshotPolicy policy =
        snap.enabled()
            ? new SnapshotPolicy(
                snap.thresholdBytes(),
                snap.interval(),
                snap.chunkBytes(),
                raft.peerTimeout(),
                1 << 20,
                snap.trailingEntries(),
                snap.trailingBytes())
            : null;
    RaftNode node =
        new RaftNode(
            members.self(),
            io.kvraft.raft.Configuration.ofVoters(members.ids()),
            cfg,
            raft.tickInterval(),
            storage,
            transport,
            applier,
            new SecureRandom(),
            snapshots,
            policy);
    node.setMetrics(metrics.getIfAvailable(() -> NodeMetrics.NONE));
    node.setBackPressure(raft.backPressure());
    node.setMemoryBudget(memory);
    node.start();
    return node;
  }

  @Bean
  KvService kvService(RaftNode node, KvStateMachine sm, KvProperties kv) {
    return new KvService(
        node,
        sm,
        new KvLimits(kv.maxKeyBytes(), kv.maxValueBytes(), kv.maxListLimit()),
        kv.requestTimeout(),
        Clock.systemUTC());
  }
}
